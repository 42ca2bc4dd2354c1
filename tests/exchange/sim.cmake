tradebot_add_test(exchange_sim_tests
  SOURCES sim_price_model_test.cc sim_rules_test.cc sim_market_stream_test.cc
          sim_paper_gateway_test.cc
  LIBS exchange
  LABELS "unit;tsan")
