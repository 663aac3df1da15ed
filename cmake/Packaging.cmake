# Installation layout and the Debian package (CPack). `cmake --install build --prefix P` puts the
# daemon in P/bin, its unit in P/lib/systemd/system and everything else it ships in
# P/share/clientflow-relay and P/share/doc/clientflow-relay; scripts/package builds the .deb
# (prefix /usr, unit in /lib/systemd/system as Debian 12 expects, maintainer scripts in
# deploy/debian/).
include(GNUInstallDirs)

set(CLIENTFLOW_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit is installed (relative to the prefix, or absolute)")
set(CLIENTFLOW_SHARE_DIR "${CMAKE_INSTALL_DATADIR}/clientflow-relay")

install(TARGETS clientflow-relay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES deploy/clientflow-relay.service DESTINATION ${CLIENTFLOW_SYSTEMD_UNIT_DIR})
install(FILES config/example.yaml DESTINATION ${CLIENTFLOW_SHARE_DIR} RENAME config.example.yaml)
install(FILES deploy/nginx-clientflow-relay.conf DESTINATION ${CLIENTFLOW_SHARE_DIR}/nginx
        RENAME clientflow-relay.conf)
install(FILES grafana/dashboard.json grafana/alerts.yml grafana/prometheus.yml grafana/README.md
        DESTINATION ${CLIENTFLOW_SHARE_DIR}/grafana)
install(DIRECTORY grafana/provisioning DESTINATION ${CLIENTFLOW_SHARE_DIR}/grafana)
install(FILES README.md docs/openapi.yaml docs/scaling.md deploy/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# A manual page from the binary's --help (help2man), for the package (scripts/package turns it on).
option(CLIENTFLOW_MANPAGE "Generate and install the manual page with help2man" OFF)
if(CLIENTFLOW_MANPAGE)
  find_program(HELP2MAN help2man REQUIRED)
  set(clientflow_manpage "${PROJECT_BINARY_DIR}/clientflow-relay.1")
  add_custom_command(OUTPUT "${clientflow_manpage}.gz"
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string ${PROJECT_VERSION}
            --name "Systeme.io webhook relay and lead isolation for ClientFlow" --output "${clientflow_manpage}"
            $<TARGET_FILE:clientflow-relay>
    COMMAND gzip -9 -n -f "${clientflow_manpage}"
    DEPENDS clientflow-relay VERBATIM)
  add_custom_target(manpage ALL DEPENDS "${clientflow_manpage}.gz")
  install(FILES "${clientflow_manpage}.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# Debian wants the changelog compressed, byte for byte the same on every build (gzip -n).
set(clientflow_changelog "${PROJECT_SOURCE_DIR}/deploy/debian/changelog")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${clientflow_changelog}")
execute_process(COMMAND gzip -9 -n -c "${clientflow_changelog}"
                OUTPUT_FILE "${PROJECT_BINARY_DIR}/changelog.Debian.gz" COMMAND_ERROR_IS_FATAL ANY)
install(FILES "${PROJECT_BINARY_DIR}/changelog.Debian.gz" DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES deploy/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME clientflow-relay)

# The package: its version and the maintainer's entry come from the changelog's first line, so
# the two never disagree.
file(STRINGS "${clientflow_changelog}" clientflow_changelog_head LIMIT_COUNT 1)
string(REGEX MATCH "\\(([^)-]+)-([^)]+)\\)" _ "${clientflow_changelog_head}")
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "deploy/debian/changelog is at ${CMAKE_MATCH_1}, the project at ${PROJECT_VERSION}")
endif()
set(CPACK_PACKAGE_NAME clientflow-relay)
set(CPACK_PACKAGE_VERSION "${CMAKE_MATCH_1}")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${CMAKE_MATCH_2}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "ClientFlow <relay@clientflow.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Systeme.io webhook relay and lead isolation for ClientFlow's IBs")
set(CPACK_PACKAGE_DESCRIPTION
    "ClientFlow Relay receives Systeme.io webhooks, verifies and stores each one,
and routes it by tag prefix to the lead of the introducing broker (tenant)
that owns it. It relays lead captures to Systeme.io with the tenant's
prefixed tags, reconciles contacts shared between tenants for admins, and
exports Prometheus metrics. Every lead belongs to one tenant, enforced by
PostgreSQL's row-level security.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql (>= 15), nginx, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/postinst;${PROJECT_SOURCE_DIR}/deploy/debian/prerm;${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
