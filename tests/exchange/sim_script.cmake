# TEST ONLY scripted sim prices (exchange/sim/script.h): the parser the end-to-end risk tests use.
tradebot_add_test(exchange_sim_script_tests SOURCES sim_script_test.cc LIBS exchange LABELS unit)
