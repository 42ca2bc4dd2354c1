# The daemon runtime: per-symbol event queues, TradingBot threads and the Supervisor that feeds and
# restarts them (bot/trading_bot.h, bot/supervisor.h).
target_sources(bot PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../supervisor.cc
  ${CMAKE_CURRENT_LIST_DIR}/../trading_bot.cc
)
