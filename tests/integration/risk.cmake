# The risk controls end to end: the real tradebotd on a scripted sim market (exchange.sim.script),
# killed with SIGKILL between entry and exit; and tradebot-backtest on the candles that daemon
# recorded, making the same exits.
tradebot_add_test(risk_daemon_tests SOURCES risk_daemon_test.cc
                  LIBS storage config nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 300)
add_dependencies(risk_daemon_tests tradebotd tradebotctl tradebot-backtest)
