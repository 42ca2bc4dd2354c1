# test_tradebotd: tradebotd's daemon object with a strategy that hangs (a catalog of its own) and a
# database capped like a full disk (a state store of its own), for the watchdog and full-disk
# tests (ops_daemon_tests, daemon_failsafe_tests). Not a test by itself.
add_executable(test_tradebotd test_daemon.cc)
target_link_libraries(test_tradebotd PRIVATE cli service bot exchange storage config spdlog::spdlog)
set_target_properties(test_tradebotd PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
