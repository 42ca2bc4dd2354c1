# The daemon runtime: event queue policy, log formats, TradingBot on the real PaperGateway and a
# real database, Supervisor restarts/stop/reload. The threaded ones must be TSan-clean.
tradebot_add_test(runtime_queue_tests SOURCES runtime_queue_test.cc LIBS exchange LABELS unit tsan)
