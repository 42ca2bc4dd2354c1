# Symbol leases: which symbols this process trades when several share one PostgreSQL database
# (bot/lease_keeper.h over storage/leases.h).
target_sources(bot PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lease_keeper.cc)
