# The strategy plug-ins: every .cc in bot/strategies/ (a new strategy needs no line here).
#
# Each plug-in registers itself from a static object in its own .cc, which nothing else refers
# to; from a plain static library the linker would drop those objects, so `strategy_plugins`
# links the whole archive. Link `strategy_plugins` wherever a config is parsed or a strategy
# built (bot does; so do tradebotctl and the config tests).
file(GLOB strategy_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/../strategies/*.cc)
add_library(strategies STATIC ${strategy_sources})
target_link_libraries(strategies PUBLIC bot_logic)
add_library(strategy_plugins INTERFACE)
target_link_libraries(strategy_plugins INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,strategies>")
