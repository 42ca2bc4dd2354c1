# tradebotctl: its rendering (unit) and the real binary on real database files (integration).
tradebot_add_test(ctl_format_tests SOURCES ctl_format_test.cc LIBS ctl_format LABELS unit)
tradebot_add_test(tradebotctl_tests SOURCES tradebotctl_test.cc
  LIBS ctl_format storage SQLite::SQLite3 nlohmann_json::nlohmann_json LABELS integration)
add_dependencies(tradebotctl_tests tradebotctl)
