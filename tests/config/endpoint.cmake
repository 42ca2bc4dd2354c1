tradebot_add_test(config_endpoint_tests SOURCES endpoint_test.cc LIBS config LABELS unit)
