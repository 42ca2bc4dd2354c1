# Builds the MarketStream and OrderGateway named by the config (exchange/factory.h).
target_sources(exchange PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../factory.cc)
