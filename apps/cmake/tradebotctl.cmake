# tradebotctl: the operator's read-only window on a tradebot database (docs/reference.md).
#
# Its table and JSON rendering is the small ctl_format library (apps/ctl/): formatting only, no
# main() and no I/O, kept out of storage/ (which knows nothing of presentation) and out of the
# main() file so the unit tests can link it and check every byte of the output.
add_library(ctl_format STATIC ${PROJECT_SOURCE_DIR}/apps/ctl/format.cc)
target_include_directories(ctl_format PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(ctl_format PUBLIC config nlohmann_json::nlohmann_json)

# --config FILE validates the whole config, strategies included, hence the strategy catalog.
add_executable(tradebotctl ${PROJECT_SOURCE_DIR}/apps/tradebotctl.cc)
# bot_core: the risk state's stored form, for `positions`.
target_link_libraries(tradebotctl PRIVATE cli ctl_format storage config strategies bot_core)
