# Several real tradebotd processes on one real PostgreSQL server the tests start (label
# "postgres"), and tradebotctl on it.
tradebot_add_test(postgres_daemon_tests SOURCES postgres_daemon_test.cc
                  LIBS storage config nlohmann_json::nlohmann_json Boost::headers
                  LABELS integration postgres TIMEOUT 300)
if(TARGET postgres_daemon_tests)
  add_dependencies(postgres_daemon_tests tradebotd tradebotctl)
  # The docker files are read straight from the source tree.
  target_compile_definitions(postgres_daemon_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
