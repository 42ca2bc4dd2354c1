# The backtest library: the archive reader (every trap of the format), the replay through the
# daemon's trading core into a real database, the figures, the report, tradebotd's recorder.
tradebot_add_test(backtest_reader_tests SOURCES reader_test.cc
                  LIBS backtest backtest_test_support LABELS unit)
tradebot_add_test(backtest_replay_tests SOURCES replay_test.cc replay_risk_test.cc
                  LIBS backtest backtest_test_support LABELS unit tsan)
tradebot_add_test(backtest_figures_tests SOURCES figures_test.cc LIBS backtest LABELS unit)
tradebot_add_test(backtest_recorder_tests SOURCES recorder_test.cc
                  LIBS backtest backtest_test_support LABELS unit)
