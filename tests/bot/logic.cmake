tradebot_add_test(bot_core_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/indicators_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ema_cross_strategy_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/rsi_strategy_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/bollinger_strategy_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/strategy_catalog_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/position_book_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/size_order_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/fill_effect_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/risk_rules_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/risk_guard_test.cc
  LIBS bot_core strategies
  LABELS unit)
# The trading core's engine driven by the test itself: no storage, gateway, logger or thread.
# A binary of its own, as it counts every allocation it makes.
tradebot_add_test(bot_engine_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/engine_test.cc
  LIBS bot_core strategies
  LABELS unit)
