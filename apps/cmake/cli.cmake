# The binaries' shared command-line conventions over Boost.Program_options (apps/cli/): option
# syntax, no abbreviations, errors in our words and the exit statuses.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS program_options)
add_library(cli STATIC ${PROJECT_SOURCE_DIR}/apps/cli/command_line.cc)
target_include_directories(cli PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(cli PUBLIC Boost::program_options)
