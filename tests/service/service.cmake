# service/: Prometheus rendering byte for byte, the notify protocol on a real socket, the
# watchdog policy and thread, the metrics HTTP server on real TCP, and the log line formats.
tradebot_add_test(service_metrics_tests SOURCES metrics_test.cc LIBS service LABELS unit)
tradebot_add_test(service_notify_tests SOURCES sd_notify_test.cc LIBS service LABELS unit)
tradebot_add_test(service_watchdog_tests SOURCES watchdog_test.cc LIBS service LABELS unit tsan)
tradebot_add_test(service_server_tests SOURCES metrics_server_test.cc LIBS service
                  LABELS unit tsan)
tradebot_add_test(service_log_tests SOURCES log_setup_test.cc LIBS service LABELS unit)
# Heartbeat lines and thread, and SIGTERM/SIGINT during start-up and during a stop (real signals;
# the paths that end the process run in a child).
tradebot_add_test(service_lifecycle_tests SOURCES lifecycle_test.cc LIBS service LABELS unit tsan)
# The daemon object (service/daemon.h) and its state stores in this process, on the sim and real
# SQLite files, with real signals.
tradebot_add_test(service_daemon_tests SOURCES daemon_test.cc LIBS service LABELS unit tsan)
