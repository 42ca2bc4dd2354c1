# tradebotctl: its rendering (unit) and the real binary on real database files (integration).
tradebot_add_test(ctl_format_tests SOURCES ctl_format_test.cc LIBS ctl_format LABELS unit)
