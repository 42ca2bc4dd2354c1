# Symbol leases: which symbols this process trades when several share one PostgreSQL database
# (bot/lease_keeper.h over storage/leases.h), and what the keeper acts on (bot/leased_trading.h).
target_sources(bot PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lease_keeper.cc
                           ${CMAKE_CURRENT_LIST_DIR}/../leased_trading.cc)
