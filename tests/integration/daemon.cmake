# tradebotd end to end: the real binary on the sim exchange in temporary folders.
tradebot_add_test(daemon_tests SOURCES daemon_test.cc LIBS storage config nlohmann_json::nlohmann_json
                  LABELS integration TIMEOUT 600)
add_dependencies(daemon_tests tradebotd tradebotctl)
