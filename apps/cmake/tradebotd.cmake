# tradebotd: the trading daemon. main() only; the trading lives in bot/, its operation in service/.
add_executable(tradebotd ${PROJECT_SOURCE_DIR}/apps/tradebotd.cc)
target_link_libraries(tradebotd PRIVATE cli service bot exchange storage config spdlog::spdlog)
# The market-data recorder (market_data.record_dir) writes what tradebot-backtest reads.
target_link_libraries(tradebotd PRIVATE backtest)
