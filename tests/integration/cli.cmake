# The command-line conventions every binary shares (apps/cli), run on the real binaries.
tradebot_add_test(cli_tests SOURCES cli_test.cc LABELS integration)
add_dependencies(cli_tests tradebotd tradebotctl tradebot-backtest tradebot-bench)
