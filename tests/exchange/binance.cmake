# Binance connectivity: unit tests (signing, parsing, filters).
tradebot_add_test(binance_unit_tests
  SOURCES binance/signing_test.cc binance/url_test.cc binance/messages_test.cc
  LIBS exchange
  LABELS unit)
