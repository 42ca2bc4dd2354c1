# The daemon's life outside trading: heartbeat lines and thread, and SIGTERM/SIGINT during
# start-up and during a stop (real signals; the paths that end the process run in a child).
tradebot_add_test(runtime_lifecycle_tests SOURCES lifecycle_test.cc LIBS bot LABELS unit tsan)
