# Installation and the Debian package (docs/operations.md "Install").
#
#   cmake --preset release && cmake --build --preset release
#   cd build && cpack -G DEB            # -> tradebot_<version>_<arch>.deb
#   (or: cmake --build build --target package_deb)
#
# The package holds /usr/bin/{tradebotd,tradebotctl,tradebot-backtest,tradebot-bench}, the
# systemd unit in /lib/systemd/system, the example sim config as /etc/tradebot/tradebot.json (a
# conffile: an upgrade never overwrites an operator's edits) and the operator's guide. Installing
# it does not start trading: the operator reviews the config, then enables the service.

include(GNUInstallDirs)

# cpack (and `make install`) install what is built and do not first build everything: the
# package needs only the binaries (package_deb below builds exactly those), and the tests
# that run cpack must not rebuild the whole tree underneath the other tests.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(TRADEBOT_APPS tradebotd tradebotctl tradebot-backtest tradebot-bench)
foreach(app ${TRADEBOT_APPS})
  if(TARGET ${app})
    install(TARGETS ${app} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
# Absolute destinations: these paths are fixed by systemd and Debian, not by the prefix.
install(FILES ${PROJECT_SOURCE_DIR}/config/systemd/tradebotd.service
        DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/config/examples/sim.json
        DESTINATION /etc/tradebot RENAME tradebot.json)
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/operations.md)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

set(CPACK_PACKAGE_NAME tradebot)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "tradebot")
set(CPACK_PACKAGE_CONTACT "tradebot maintainers <tradebot@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "multi-symbol crypto trading daemon (systemd service)")
set(CPACK_PACKAGE_DESCRIPTION
    "tradebotd runs one trading bot thread per symbol on Binance or a simulated exchange, \
persists signals, orders and positions in SQLite, and exposes Prometheus metrics. \
tradebotctl inspects and backs up its database; tradebot-backtest replays market history \
through the same strategies; tradebot-bench measures storage and backtests.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
# Depends from the binaries themselves when dpkg-shlibdeps (dpkg-dev) is there; otherwise the
# Debian 12 libraries they link, spelled out.
find_program(TRADEBOT_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(TRADEBOT_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1 (>= 3.0), libsqlite3-0 (>= 3.35), libpq5, libspdlog1.10, libfmt9, libssl3 (>= 3.0.0), libzip4 (>= 1.7), libboost-program-options1.81.0")
endif()

# Maintainer scripts and the conffiles list, generated into the build tree.
set(tradebot_debian_dir ${CMAKE_BINARY_DIR}/debian-control)
file(WRITE ${tradebot_debian_dir}/conffiles "/etc/tradebot/tradebot.json\n")
file(WRITE ${tradebot_debian_dir}/postinst [=[#!/bin/sh
# tradebot: make systemd see the new or upgraded unit; restart it on upgrade if it was running.
# A fresh install does not enable or start it: review /etc/tradebot/tradebot.json first.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  if [ "$1" = "configure" ] && [ -n "$2" ]; then
    systemctl try-restart tradebotd.service >/dev/null 2>&1 || true
  fi
fi
exit 0
]=])
file(WRITE ${tradebot_debian_dir}/prerm [=[#!/bin/sh
# tradebot: stop the daemon before its files go (a clean stop commits everything queued).
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
  systemctl stop tradebotd.service >/dev/null 2>&1 || true
fi
exit 0
]=])
file(WRITE ${tradebot_debian_dir}/postrm [=[#!/bin/sh
# tradebot: forget the unit. The database in /var/lib/tradebot is never removed by the package.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = "purge" ]; then
  rm -f /etc/tradebot/tradebot.env
fi
exit 0
]=])
file(CHMOD ${tradebot_debian_dir}/postinst ${tradebot_debian_dir}/prerm
     ${tradebot_debian_dir}/postrm
     PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                 WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${tradebot_debian_dir}/conffiles ${tradebot_debian_dir}/postinst
    ${tradebot_debian_dir}/prerm ${tradebot_debian_dir}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)

# `cmake --build <dir> --target package_deb`: builds the binaries, then the .deb in <dir>.
set(tradebot_existing_apps)
foreach(app ${TRADEBOT_APPS})
  if(TARGET ${app})
    list(APPEND tradebot_existing_apps ${app})
  endif()
endforeach()
add_custom_target(package_deb
  COMMAND ${CMAKE_CPACK_COMMAND} -G DEB --config ${CMAKE_BINARY_DIR}/CPackConfig.cmake
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  COMMENT "Building the Debian package with CPack"
  VERBATIM)
if(tradebot_existing_apps)
  add_dependencies(package_deb ${tradebot_existing_apps})
endif()
