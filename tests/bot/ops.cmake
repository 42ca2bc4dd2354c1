# Operations (issue 5): Prometheus rendering byte for byte, the notify protocol on a real socket,
# the watchdog policy and thread, and the metrics HTTP server on real TCP.
tradebot_add_test(ops_metrics_tests SOURCES ops_metrics_test.cc LIBS bot LABELS unit)
tradebot_add_test(ops_notify_tests SOURCES ops_notify_test.cc LIBS bot LABELS unit)
tradebot_add_test(ops_watchdog_tests SOURCES ops_watchdog_test.cc LIBS bot LABELS unit tsan)
tradebot_add_test(ops_server_tests SOURCES ops_server_test.cc LIBS bot LABELS unit tsan)
