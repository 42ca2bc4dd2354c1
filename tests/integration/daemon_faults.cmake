# tradebotd under hostile input and failing parts: a config number beyond double range in every
# binary and on SIGHUP, a stop while storage fails (its time against the 5 s promise), and the
# metrics HTTP port under abuse (hundreds of idle connections, slow and oversized requests, the
# file-descriptor limit). Real processes, real sockets, real signals.
tradebot_add_test(daemon_faults_tests SOURCES daemon_faults_test.cc
                  LIBS storage SQLite::SQLite3 nlohmann_json::nlohmann_json Boost::headers
                  LABELS integration TIMEOUT 600)
if(TARGET daemon_faults_tests)
  add_dependencies(daemon_faults_tests tradebotd tradebotctl tradebot-backtest)
endif()
