// Where a storage contract test's database lives (tests/storage/contract_test.cc): a SQLite file
// in a temporary folder, or a PostgreSQL database on a real server the test starts. Each gives
// the name storage::Database opens and a read-only reader of its own, as tradebotctl has.
#pragma once

#include <memory>
#include <string>

#include "storage/pg_reader.h"
#include "storage/reader.h"
#include "support/pg_server.h"
#include "support/temp_dir.h"

struct SqliteTarget {
    testing_support::TempDir dir;
    std::string db() const { return dir.file("storage/bot_state.db"); }
    std::unique_ptr<storage::Reader> reader() const {
        return std::make_unique<storage::Reader>(db());
    }
};

struct PgTarget {
    testing_support::PgServer server;
    std::string db() const { return server.url(); }
    std::unique_ptr<storage::PgReader> reader() const {
        return std::make_unique<storage::PgReader>(db());
    }
};
