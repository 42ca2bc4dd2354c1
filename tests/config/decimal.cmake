tradebot_add_test(decimal_tests SOURCES decimal_test.cc LIBS config LABELS unit)
