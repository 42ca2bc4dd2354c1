# Operations (issue 5), with the real binaries: tradebotd against a pretend systemd (READY,
# WATCHDOG, RELOADING, STOPPING; a hung bot stops the pings) and /metrics + /healthz scraped over
# real HTTP; the unit file through systemd-analyze.
tradebot_add_test(ops_daemon_tests SOURCES ops_daemon_test.cc LIBS Boost::headers
                  LABELS integration)
if(TARGET ops_daemon_tests)
  add_dependencies(ops_daemon_tests tradebotd)
endif()

tradebot_add_test(ops_unit_tests SOURCES ops_unit_test.cc LABELS integration)
if(TARGET ops_unit_tests)
  add_dependencies(ops_unit_tests tradebotd)
  target_compile_definitions(ops_unit_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
