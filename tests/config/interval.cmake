tradebot_add_test(config_interval_tests SOURCES interval_test.cc LIBS config LABELS unit)
