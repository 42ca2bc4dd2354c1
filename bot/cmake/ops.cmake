# Operations (issue 5): the systemd notify protocol and watchdog, Prometheus metrics rendering and
# the Beast HTTP endpoint that serves them with /healthz.
target_sources(bot PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../metrics.cc
  ${CMAKE_CURRENT_LIST_DIR}/../metrics_server.cc
  ${CMAKE_CURRENT_LIST_DIR}/../sd_notify.cc
  ${CMAKE_CURRENT_LIST_DIR}/../watchdog.cc
)
target_link_libraries(bot PUBLIC Boost::headers)
