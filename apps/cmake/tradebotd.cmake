# tradebotd: the trading daemon (SPEC "tradebotd"). main() only; the runtime lives in bot/.
add_executable(tradebotd ${PROJECT_SOURCE_DIR}/apps/tradebotd.cc)
target_link_libraries(tradebotd PRIVATE bot exchange storage config spdlog::spdlog)
# The market-data recorder (market_data.record_dir) writes what tradebot-backtest reads.
target_link_libraries(tradebotd PRIVATE backtest)
