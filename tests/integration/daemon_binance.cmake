# tradebotd end to end in binance mode: the real binary against the local Binance-compatible
# exchange (tests/support/fake_binance, declared in tests/exchange/binance.cmake, which
# tests/CMakeLists.txt includes before this folder). The test replays the strategy plug-in to know
# which signals a gap-free, duplicate-free candle stream must produce.
tradebot_add_test(daemon_binance_tests
  SOURCES daemon_binance_test.cc
  LIBS fake_binance storage strategies config nlohmann_json::nlohmann_json
  LABELS integration
  TIMEOUT 300)
add_dependencies(daemon_binance_tests tradebotd tradebot-backtest)
