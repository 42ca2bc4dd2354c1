# The modules' include rules: which module may lean on which, and which folders are private.
tradebot_add_test(layout_tests SOURCES layout_test.cc LABELS unit)
target_compile_definitions(layout_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
