# The daemon's life outside trading: the heartbeat thread, and what SIGTERM/SIGINT do while the
# main thread is busy starting or stopping (bot/heartbeat.h, bot/stop_signals.h).
target_sources(bot PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../heartbeat.cc
  ${CMAKE_CURRENT_LIST_DIR}/../stop_signals.cc
)
