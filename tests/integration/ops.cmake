# Operations (issue 5), with the real tradebotd: the notify protocol against a pretend systemd
# (READY, WATCHDOG, RELOADING, STOPPING; a hung bot stops the pings) and /metrics + /healthz
# scraped over real HTTP.
tradebot_add_test(ops_daemon_tests SOURCES ops_daemon_test.cc LIBS Boost::headers
                  LABELS integration)
if(TARGET ops_daemon_tests)
  add_dependencies(ops_daemon_tests tradebotd)
endif()
