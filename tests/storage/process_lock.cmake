# One writing process per database: storage::ProcessLock against real child processes.
tradebot_add_test(storage_process_lock_tests
  SOURCES process_lock_test.cc
  LIBS storage
  LABELS "unit;storage")
