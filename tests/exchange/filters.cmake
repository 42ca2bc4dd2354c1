# The exchange filters: one rounding rule and one message per breach (exchange/filters.h).
tradebot_add_test(exchange_filters_tests SOURCES filters_test.cc LIBS exchange_types LABELS unit)
