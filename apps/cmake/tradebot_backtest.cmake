# tradebot-backtest: replays kline files through the daemon's own decision code (README
# "Backtesting"). main() only; the work lives in backtest/.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS program_options)
add_executable(tradebot-backtest ${PROJECT_SOURCE_DIR}/apps/tradebot_backtest.cc)
target_link_libraries(tradebot-backtest PRIVATE backtest strategies config Boost::program_options)
