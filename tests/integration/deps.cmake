# make deps installs everything the build and the tests use: each header, library and program
# they use is mapped to the Debian package that provides it, which must be one make deps brings.
tradebot_add_test(deps_tests SOURCES deps_test.cc LABELS integration)
if(TARGET deps_tests)
  target_compile_definitions(deps_tests PRIVATE
    TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRADEBOT_BUILD_DIR="${CMAKE_BINARY_DIR}")
endif()
