# Binance connectivity: unit tests (signing, parsing, filters) and tests against a local
# Binance-compatible exchange on loopback (tests/support/fake_binance).
tradebot_add_test(binance_unit_tests
  SOURCES binance/signing_test.cc net_url_test.cc binance/messages_test.cc
          binance/kline_sequencer_test.cc fault_burst_test.cc
  LIBS exchange
  LABELS unit)

# The local exchange, also for the daemon's integration tests (link fake_binance).
add_library(fake_binance STATIC ${PROJECT_SOURCE_DIR}/tests/support/fake_binance/fake_binance.cc)
target_link_libraries(fake_binance PUBLIC exchange test_support Boost::headers OpenSSL::SSL
                                          OpenSSL::Crypto nlohmann_json::nlohmann_json)

tradebot_add_test(binance_rest_tests
  SOURCES binance/rest_test.cc
  LIBS exchange fake_binance
  LABELS "integration;tsan")

tradebot_add_test(binance_stream_tests
  SOURCES binance/stream_test.cc
  LIBS exchange fake_binance
  LABELS "integration;tsan")
