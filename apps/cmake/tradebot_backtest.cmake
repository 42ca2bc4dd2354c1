# tradebot-backtest: replays kline files through the daemon's own decision code (README
# "Backtesting"). main() only; the work lives in backtest/, the strategies in bot/strategies.
add_executable(tradebot-backtest ${PROJECT_SOURCE_DIR}/apps/tradebot_backtest.cc)
target_link_libraries(tradebot-backtest PRIVATE cli backtest strategies config)
