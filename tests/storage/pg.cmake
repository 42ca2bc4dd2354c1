# The PostgreSQL parts of storage against a real server each test starts (label "postgres").
add_executable(storage_pg_server_child pg_server_child.cc)
target_link_libraries(storage_pg_server_child PRIVATE test_support)
set_target_properties(storage_pg_server_child PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

tradebot_add_test(storage_pg_tests
  SOURCES pg_parts_test.cc
  LIBS storage
  LABELS "integration;storage;postgres;tsan")
if(TARGET storage_pg_tests)
  add_dependencies(storage_pg_tests storage_pg_server_child)
  target_compile_definitions(storage_pg_tests PRIVATE
    STORAGE_PG_SERVER_CHILD="${CMAKE_BINARY_DIR}/tests/storage_pg_server_child")
endif()

# The storage contract suite (contract_test.cc, also in storage_tests on SQLite) on PostgreSQL.
tradebot_add_test(storage_pg_contract_tests
  SOURCES contract_test.cc
  LIBS storage
  LABELS "integration;storage;postgres;tsan")
if(TARGET storage_pg_contract_tests)
  target_compile_definitions(storage_pg_contract_tests PRIVATE STORAGE_TARGET=PgTarget)
endif()
