# The strategy interface and registry, indicators and position accounting: pure logic over exact
# decimals, with no storage or network, so it builds and is tested on its own
# (tests/bot/logic.cmake) and `bot` links it. The strategies themselves: strategies.cmake.
add_library(bot_logic STATIC
  decimal_json.cc
  ema.cc
  position.cc
  reason_text.cc
  rsi.cc
  strategy.cc
)
target_include_directories(bot_logic PUBLIC ${PROJECT_SOURCE_DIR})
# Of exchange/ only the plain types of market_data.h and order_gateway.h are used (header-only),
# so the logic and its tests do not wait on the network code compiling; `bot` links exchange.
target_link_libraries(bot_logic PUBLIC config nlohmann_json::nlohmann_json)
target_link_libraries(bot PUBLIC bot_logic strategy_plugins)

# `bot` must own at least one source file of its own; until the runtime part adds its sources,
# an empty generated one keeps the project configurable (checked once all parts are included).
function(bot_logic_ensure_bot_sources)
  get_target_property(bot_sources bot SOURCES)
  if(NOT bot_sources)
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bot_placeholder.cc
         "// Generated: bot has no sources of its own yet (bot/cmake/logic.cmake).\n")
    target_sources(bot PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/bot_placeholder.cc)
  endif()
endfunction()
cmake_language(DEFER CALL bot_logic_ensure_bot_sources)
