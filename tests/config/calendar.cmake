tradebot_add_test(config_calendar_tests SOURCES calendar_test.cc LIBS config LABELS unit)
