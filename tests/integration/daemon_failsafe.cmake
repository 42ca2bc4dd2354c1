# tradebotd when an operator's mistake or a sick disk meets it (two daemons on one database,
# stalled storage at a stop, a damaged file, SIGTERM during start-up, bad config files, restarts
# of the sim): the real binary, real SQLite files, real signals and sockets.
tradebot_add_test(daemon_failsafe_tests SOURCES daemon_failsafe_test.cc
                  LIBS storage SQLite::SQLite3 nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 600)
# test_tradebotd (test_daemon.cmake): the daemon on a database capped like a full disk.
add_dependencies(daemon_failsafe_tests tradebotd tradebotctl test_tradebotd)
target_compile_definitions(daemon_failsafe_tests PRIVATE
  TEST_TRADEBOTD="${CMAKE_BINARY_DIR}/tests/test_tradebotd")
