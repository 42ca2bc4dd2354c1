# tradebot-bench: performance figures as ratios against baselines measured in the same run.
add_executable(tradebot-bench ${PROJECT_SOURCE_DIR}/apps/tradebot_bench.cc)
target_link_libraries(tradebot-bench PRIVATE cli storage SQLite::SQLite3 PostgreSQL::PostgreSQL
                      nlohmann_json::nlohmann_json)
# `tradebot-bench backtest` lives in backtest/bench.cc; its replay parses with the built-in
# strategy catalog (bot/strategies).
target_link_libraries(tradebot-bench PRIVATE backtest strategies)
add_dependencies(tradebot-bench tradebot-backtest)
