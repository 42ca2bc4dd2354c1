# The drivers: event queue policy, TradingBot and ReplayBot on the real PaperGateway and a real
# database, the rows they write, Supervisor restarts/stop/reload. The threaded ones must be
# TSan-clean.
tradebot_add_test(runtime_queue_tests SOURCES runtime_queue_test.cc LIBS bot LABELS unit tsan)
tradebot_add_test(runtime_rows_tests SOURCES rows_test.cc LIBS bot LABELS unit)
tradebot_add_test(runtime_bot_tests SOURCES runtime_bot_test.cc LIBS bot LABELS unit tsan)
tradebot_add_test(runtime_supervisor_tests SOURCES runtime_supervisor_test.cc LIBS bot
                  LABELS unit tsan)
tradebot_add_test(runtime_factory_tests SOURCES runtime_factory_test.cc LIBS exchange config strategies
                  LABELS unit)
tradebot_add_test(risk_bot_tests SOURCES risk_bot_test.cc LIBS bot LABELS unit tsan)
