# The daemon runtime: per-symbol event queues, TradingBot threads, the Supervisor that feeds and
# restarts them, and the logging set-up (bot/trading_bot.h, bot/supervisor.h, bot/log_setup.h).
target_sources(bot PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../log_setup.cc
  ${CMAKE_CURRENT_LIST_DIR}/../risk_guard.cc
  ${CMAKE_CURRENT_LIST_DIR}/../supervisor.cc
  ${CMAKE_CURRENT_LIST_DIR}/../trading_bot.cc
)
