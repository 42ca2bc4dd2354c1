# Scripted sim prices (exchange.sim.script, exchange/sim/script.h): the parser, the file, the sim
# stream playing it and the exchange factory refusing a script it cannot read.
tradebot_add_test(exchange_sim_script_tests SOURCES sim_script_test.cc LIBS exchange LABELS unit)
# The shipped scenario (config/examples/scenario-crash.txt) is read from the source tree.
target_compile_definitions(exchange_sim_script_tests PRIVATE TRADEBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
