# Operations, with the real binaries: tradebotd against a pretend systemd (READY,
# WATCHDOG, RELOADING, STOPPING; a hung bot stops the pings, in test_tradebotd) and /metrics +
# /healthz scraped over real HTTP; the unit file through systemd-analyze; the Debian package through cpack and dpkg-deb.
tradebot_add_test(ops_daemon_tests SOURCES ops_daemon_test.cc LIBS Boost::headers
                  LABELS integration)
if(TARGET ops_daemon_tests)
  # test_tradebotd (test_daemon.cmake): the daemon with a strategy that hangs, for the watchdog.
  add_dependencies(ops_daemon_tests tradebotd test_tradebotd)
  target_compile_definitions(ops_daemon_tests PRIVATE
    TEST_TRADEBOTD="${CMAKE_BINARY_DIR}/tests/test_tradebotd")
endif()

tradebot_add_test(ops_unit_tests SOURCES ops_unit_test.cc LABELS integration)
if(TARGET ops_unit_tests)
  add_dependencies(ops_unit_tests tradebotd)
  target_compile_definitions(ops_unit_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()

tradebot_add_test(ops_package_tests SOURCES ops_package_test.cc LABELS integration package
                  TIMEOUT 900)
if(TARGET ops_package_tests)
  add_dependencies(ops_package_tests tradebotd tradebotctl tradebot-bench)
  target_compile_definitions(ops_package_tests PRIVATE
    TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRADEBOT_BUILD_DIR="${CMAKE_BINARY_DIR}"
    TRADEBOT_CPACK="${CMAKE_CPACK_COMMAND}")
endif()

tradebot_add_test(ops_docker_tests SOURCES ops_docker_test.cc LABELS integration)
if(TARGET ops_docker_tests)
  add_dependencies(ops_docker_tests tradebotd tradebotctl tradebot-bench)
  target_compile_definitions(ops_docker_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
