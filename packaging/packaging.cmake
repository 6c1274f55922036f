# What `cmake --install` puts where, and the Debian package built from it with CPack
# (./dev package; tests/packaging unpacks the .deb and runs it). Included by the top-level CMakeLists.
#
#   bin/                                    stage1ctl, stage1-debugger
#   share/stage1-server-debugger/           migrations/ (also built into the binaries), checks/,
#                                           scripts/, ops/ (example units and crontab, not enabled)
#   share/doc/stage1-server-debugger/       README, RUNBOOK, PERFORMANCE, DEPLOYMENT_CHECKLIST,
#                                           copyright, changelog.gz
#   share/man/man1/                         stage1ctl.1.gz, stage1-debugger.1.gz
#   share/applications/, share/icons/hicolor/{scalable,64x64,256x256}/apps/
#
# Nothing installed is read at run time: the migrations are embedded and validate's checks are C++,
# so the binaries work from any prefix.
include(GNUInstallDirs)

set(STAGE1_PACKAGE_NAME stage1-server-debugger)
set(STAGE1_DATA_DIR ${CMAKE_INSTALL_DATADIR}/${STAGE1_PACKAGE_NAME})
set(STAGE1_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/${STAGE1_PACKAGE_NAME})
set(STAGE1_DEB_MAINTAINER "Stage1 Server Debugger maintainers <stage1-maintainers@example.com>"
    CACHE STRING "Maintainer field of the .deb")

install(TARGETS stage1ctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY db/migrations/ DESTINATION ${STAGE1_DATA_DIR}/migrations FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY db/checks/ DESTINATION ${STAGE1_DATA_DIR}/checks FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY db/scripts/ DESTINATION ${STAGE1_DATA_DIR}/scripts FILES_MATCHING PATTERN "*.sql")
install(CODE "
  set(STAGE1_OPS_SOURCE_DIR \"${CMAKE_SOURCE_DIR}/ops\")
  set(STAGE1_OPS_SCRATCH_DIR \"${CMAKE_BINARY_DIR}/packaging/ops\")
  set(STAGE1_OPS_DATA_DIR \"${STAGE1_DATA_DIR}\")
  set(STAGE1_OPS_DOC_DIR \"${STAGE1_DOC_DIR}\")
  set(STAGE1_OPS_BIN_DIR \"${CMAKE_INSTALL_BINDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/install_ops.cmake\")")
install(FILES README.md docs/RUNBOOK.md docs/PERFORMANCE.md docs/DEPLOYMENT_CHECKLIST.md
              packaging/copyright
        DESTINATION ${STAGE1_DOC_DIR})

# Manual pages: the version filled in, gzipped reproducibly (-n: no name, no timestamp).
set(STAGE1_MAN_PAGES stage1ctl.1)
if(TARGET stage1-debugger)
  list(APPEND STAGE1_MAN_PAGES stage1-debugger.1)
endif()
set(STAGE1_GZIPPED)
foreach(page IN LISTS STAGE1_MAN_PAGES)
  configure_file(assets/${page} ${CMAKE_BINARY_DIR}/packaging/man/${page} @ONLY)
  list(APPEND STAGE1_GZIPPED ${CMAKE_BINARY_DIR}/packaging/man/${page}.gz)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/man/${page}.gz
                     COMMAND gzip -9nkf ${CMAKE_BINARY_DIR}/packaging/man/${page}
                     DEPENDS ${CMAKE_BINARY_DIR}/packaging/man/${page}
                     COMMENT "Compressing ${page}" VERBATIM)
endforeach()
list(APPEND STAGE1_GZIPPED ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.gz
                   COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/packaging/changelog
                           ${CMAKE_BINARY_DIR}/packaging/changelog
                   COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/packaging/changelog
                   DEPENDS ${CMAKE_SOURCE_DIR}/packaging/changelog
                   COMMENT "Compressing the Debian changelog" VERBATIM)
add_custom_target(stage1_packaging_files ALL DEPENDS ${STAGE1_GZIPPED})
list(TRANSFORM STAGE1_MAN_PAGES APPEND .gz OUTPUT_VARIABLE STAGE1_MAN_PAGES_GZ)
list(TRANSFORM STAGE1_MAN_PAGES_GZ PREPEND ${CMAKE_BINARY_DIR}/packaging/man/)
install(FILES ${STAGE1_MAN_PAGES_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION ${STAGE1_DOC_DIR})

if(TARGET stage1-debugger)
  install(TARGETS stage1-debugger RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES assets/stage1-debugger.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  set(STAGE1_ICON_DIR ${CMAKE_INSTALL_DATADIR}/icons/hicolor)
  install(FILES assets/icons/stage1-debugger.svg DESTINATION ${STAGE1_ICON_DIR}/scalable/apps)
  foreach(size 64 256)
    install(FILES assets/icons/stage1-debugger-${size}.png DESTINATION ${STAGE1_ICON_DIR}/${size}x${size}/apps
            RENAME stage1-debugger.png)
  endforeach()
endif()

# The .deb: cpack -G DEB in a configured build folder.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${STAGE1_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${STAGE1_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "window and operator CLI for the Stage 1 metadata store")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_STAGE1_STRIP "${CMAKE_STRIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/strip_comment.cmake)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # stage1-server-debugger_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dpkg-shlibdeps (dpkg-dev) finds the libraries the binaries link: libpq5, libssl3, libglfw3, libstb0,
# libstdc++6, libc6. Dear ImGui is linked statically (Debian ships only libimgui.a), so no imgui
# package. What it cannot see is declared here: libGL.so.1, which imgui's OpenGL loader opens with
# dlopen; ssh for the tunnel; pg_dump and pg_restore for backup and restore-check (15 or newer,
# since pg_dump refuses servers newer than itself).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libgl1, openssh-client, postgresql-client-15 | postgresql-client (>= 15)")
# The replay-spool example unit mirrors the desktops' spool with rsync.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "rsync")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "stage1-debugger is a Dear ImGui desktop window over the Stage 1 metadata
store, the PostgreSQL database of indicator datasets, walk-forward runs and
simulations: direct or SSH-tunnelled connections, a lazy tree of datasets,
runs and simulations, byte-exact copy and paste of serialized run configs,
placeholder dataset backfill, and a diagnosis with fixes for every
connection failure.
.
stage1ctl is the operator CLI over the same core: migrate, status, doctor,
datasets, runs, sims, config show/check/find, backfill-dataset, validate,
replay-spool, backup, restore-check and demo-seed. The package also ships the
SQL migrations, psql checks and helper scripts, and example systemd units.")
include(CPack)
