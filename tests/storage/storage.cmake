# The second process of the storage tests.
add_executable(storage_writer_child writer_child.cc)
target_link_libraries(storage_writer_child PRIVATE storage)
set_target_properties(storage_writer_child PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

tradebot_add_test(storage_tests
  SOURCES reference_test.cc pipeline_test.cc errors_test.cc commit_pipeline_test.cc failsafe_test.cc
          contract_test.cc
  LIBS storage SQLite::SQLite3
  LABELS "unit;storage;tsan")
# The contract suite (contract_test.cc) runs on a SQLite file here and on a PostgreSQL server in
# storage_pg_contract_tests (tests/storage/pg.cmake).
if(TARGET storage_tests)
  target_compile_definitions(storage_tests PRIVATE STORAGE_TARGET=SqliteTarget)
endif()
tradebot_add_test(storage_process_tests
  SOURCES process_test.cc failsafe_process_test.cc
  LIBS storage SQLite::SQLite3
  LABELS "integration;storage;tsan"
  TIMEOUT 600)
if(TARGET storage_process_tests)
  add_dependencies(storage_process_tests storage_writer_child)
  target_compile_definitions(storage_process_tests PRIVATE
    STORAGE_WRITER_CHILD="${CMAKE_BINARY_DIR}/tests/storage_writer_child")
endif()

# The long run (label "soak"; `make test` leaves it out, CI runs it briefly):
# TRADEBOT_SOAK_SECONDS of writers, readers, and another process taking the write lock.
if(TARGET storage_process_tests)
  add_test(NAME storage_soak COMMAND storage_process_tests "[soak]")
  set_tests_properties(storage_soak PROPERTIES LABELS "soak;storage" TIMEOUT 3600)
endif()
