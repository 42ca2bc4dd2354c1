// Starts a PostgreSQL test server (tests/support/pg_server.h), prints "pid N port P ready" and
// waits to be killed: the fixture test checks that the server dies with the process.
#include <unistd.h>

#include <cstdio>

#include "support/pg_server.h"

int main() {
    testing_support::PgServer server;
    std::printf("pid %d port %d ready\n", static_cast<int>(server.pid()), server.port());
    std::fflush(stdout);
    for (;;) ::pause();
}
