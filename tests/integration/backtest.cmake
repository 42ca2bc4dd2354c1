# tradebot-backtest end to end: the real binary on generated archive files (every exit status),
# the parity of a replayed recording with what tradebotd decided, the report in a real headless
# browser.
tradebot_add_test(backtest_cli_tests SOURCES backtest_cli_test.cc
                  LIBS backtest_test_support nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 300)
add_dependencies(backtest_cli_tests tradebot-backtest tradebotctl)
tradebot_add_test(backtest_parity_tests SOURCES backtest_parity_test.cc
                  LIBS backtest_test_support storage nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 300)
add_dependencies(backtest_parity_tests tradebot-backtest tradebotd)
tradebot_add_test(backtest_report_tests SOURCES backtest_report_test.cc
                  LIBS backtest_test_support nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 300)
add_dependencies(backtest_report_tests tradebot-backtest)
