#include "service/state_store.h"

namespace service {

std::unique_ptr<StateStore> make_state_store(const config::DatabaseConfig& database) {
    return database.url ? make_shared_store(database) : make_file_store(database);
}

}  // namespace service
