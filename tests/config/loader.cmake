# The config loader: valid configs and defaults, every bad config with its exact message, the
# shipped examples, the resolved form (--check-config) round trip, which files it agrees to read,
# and the text sanitiser its messages (and every log line) go through.
tradebot_add_test(config_loader_tests
  SOURCES loader_test.cc loader_errors_test.cc loader_files_test.cc safe_text_test.cc
          risk_config_test.cc
          database_url_test.cc
  LIBS config strategies
  LABELS unit)
# The examples test reads config/examples/ straight from the source tree.
target_compile_definitions(config_loader_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The loader with strategy catalogs of the test's own making, linking config alone: no plug-in
# needs to be linked for a config to parse.
tradebot_add_test(config_catalog_tests SOURCES catalog_test.cc LIBS config LABELS unit)
