# Binance: WebSocket market data and the REST order gateway (exchange/binance/).
# Beast/Asio translation units are heavy: http_client.cc and websocket_session.cc hold most of it.
target_sources(exchange PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../binance/signing.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/url.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/stream_messages.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/rest_messages.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/tls.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/http_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/rest_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/gateway.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/websocket_session.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/reconnect.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/kline_sequencer.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/market_stream.cc
  ${CMAKE_CURRENT_LIST_DIR}/../binance/factory.cc
)
target_link_libraries(exchange PUBLIC Boost::headers OpenSSL::SSL OpenSSL::Crypto spdlog::spdlog
                                      nlohmann_json::nlohmann_json)
