# The simulated exchange: deterministic random-walk market data and the paper-trading gateway
# (also used in Binance paper mode).
target_sources(exchange PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../price_model.cc
  ${CMAKE_CURRENT_LIST_DIR}/../sim_rules.cc
  ${CMAKE_CURRENT_LIST_DIR}/../sim_market_stream.cc
  ${CMAKE_CURRENT_LIST_DIR}/../sim_script.cc
  ${CMAKE_CURRENT_LIST_DIR}/../paper_gateway.cc)
