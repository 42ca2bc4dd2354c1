# The lease keeper against a real PostgreSQL server (label "postgres").
tradebot_add_test(bot_lease_tests SOURCES lease_keeper_test.cc LIBS bot
                  LABELS integration postgres tsan)
