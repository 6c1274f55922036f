# What `cmake --install` puts where, and the two Debian packages built from it with CPack, one per
# install component, as Debian builds several binary packages from one source
# (./dev package; tests/packaging unpacks both and checks them). Included by the top-level CMakeLists.
#
#   package stage1ctl (component "cli"): the database host's half, no X11 or OpenGL dependency
#   bin/                                    stage1ctl
#   share/stage1-server-debugger/           migrations/ (also built into the binaries), checks/,
#                                           scripts/, ops/ (example units and crontab, not enabled)
#   share/doc/stage1ctl/                    README, RUNBOOK, PERFORMANCE, DEPLOYMENT_CHECKLIST,
#                                           copyright, changelog.gz
#   share/man/man1/                         stage1ctl.1.gz
#   share/bash-completion/completions/      stage1ctl (`stage1ctl completion bash`, written at build time)
#
#   package stage1-debugger (component "window"): depends on stage1ctl of the same version
#   bin/                                    stage1-debugger
#   share/doc/stage1-debugger/              copyright, changelog.gz
#   share/man/man1/                         stage1-debugger.1.gz
#   share/applications/, share/icons/hicolor/{scalable,64x64,256x256}/apps/
#
# The shared data folder keeps the source package's name (stage1-server-debugger), so cron lines and
# psql -f paths written for the one-package layout still work; each package has its own doc folder,
# as Debian policy asks (copyright and changelog in /usr/share/doc/<package>).
# Nothing installed is read at run time: the migrations are embedded and validate's checks are C++,
# so the binaries work from any prefix.
include(GNUInstallDirs)

set(STAGE1_PACKAGE_NAME stage1-server-debugger)  # the source package; also the data folder's name
set(STAGE1_DATA_DIR ${CMAKE_INSTALL_DATADIR}/${STAGE1_PACKAGE_NAME})
set(STAGE1_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/stage1ctl)
set(STAGE1_WINDOW_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/stage1-debugger)
set(STAGE1_DEB_MAINTAINER "Stage1 Server Debugger maintainers <stage1-maintainers@example.com>"
    CACHE STRING "Maintainer field of the .deb")

install(TARGETS stage1ctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(DIRECTORY db/migrations/ DESTINATION ${STAGE1_DATA_DIR}/migrations COMPONENT cli
        FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY db/checks/ DESTINATION ${STAGE1_DATA_DIR}/checks COMPONENT cli FILES_MATCHING PATTERN "*.sql")
install(DIRECTORY db/scripts/ DESTINATION ${STAGE1_DATA_DIR}/scripts COMPONENT cli FILES_MATCHING PATTERN "*.sql")
install(CODE "
  set(STAGE1_OPS_SOURCE_DIR \"${CMAKE_SOURCE_DIR}/ops\")
  set(STAGE1_OPS_SCRATCH_DIR \"${CMAKE_BINARY_DIR}/packaging/ops\")
  set(STAGE1_OPS_DATA_DIR \"${STAGE1_DATA_DIR}\")
  set(STAGE1_OPS_DOC_DIR \"${STAGE1_DOC_DIR}\")
  set(STAGE1_OPS_BIN_DIR \"${CMAKE_INSTALL_BINDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/install_ops.cmake\")" COMPONENT cli)
install(FILES README.md docs/RUNBOOK.md docs/PERFORMANCE.md docs/DEPLOYMENT_CHECKLIST.md
              packaging/copyright
        DESTINATION ${STAGE1_DOC_DIR} COMPONENT cli)

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
# The bash completion, written by the stage1ctl just built from its own option tables: it cannot
# fall behind a new command or option (tests/unit/test_ctl_completion.cpp runs it in bash).
set(STAGE1_BASH_COMPLETION ${CMAKE_BINARY_DIR}/packaging/bash-completion/stage1ctl)
list(APPEND STAGE1_GZIPPED ${STAGE1_BASH_COMPLETION})
add_custom_command(OUTPUT ${STAGE1_BASH_COMPLETION}
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging/bash-completion
                   COMMAND sh -c "\"$1\" completion bash > \"$2\"" sh $<TARGET_FILE:stage1ctl>
                           ${STAGE1_BASH_COMPLETION}
                   DEPENDS stage1ctl
                   COMMENT "Writing the bash completion of stage1ctl" VERBATIM)
add_custom_target(stage1_packaging_files ALL DEPENDS ${STAGE1_GZIPPED})
install(FILES ${CMAKE_BINARY_DIR}/packaging/man/stage1ctl.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT cli)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION ${STAGE1_DOC_DIR} COMPONENT cli)
install(FILES ${STAGE1_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        COMPONENT cli)

set(STAGE1_COMPONENTS cli)
if(TARGET stage1-debugger)
  list(APPEND STAGE1_COMPONENTS window)
  install(TARGETS stage1-debugger RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT window)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/man/stage1-debugger.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT window)
  install(FILES packaging/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
          DESTINATION ${STAGE1_WINDOW_DOC_DIR} COMPONENT window)
  install(FILES assets/stage1-debugger.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications
          COMPONENT window)
  set(STAGE1_ICON_DIR ${CMAKE_INSTALL_DATADIR}/icons/hicolor)
  install(FILES assets/icons/stage1-debugger.svg DESTINATION ${STAGE1_ICON_DIR}/scalable/apps COMPONENT window)
  foreach(size 64 256)
    install(FILES assets/icons/stage1-debugger-${size}.png DESTINATION ${STAGE1_ICON_DIR}/${size}x${size}/apps
            RENAME stage1-debugger.png COMPONENT window)
  endforeach()
endif()

# The .debs: cpack -G DEB in a configured build folder makes one package per component,
# stage1ctl_<version>_<arch>.deb and stage1-debugger_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${STAGE1_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${STAGE1_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_STAGE1_STRIP "${CMAKE_STRIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/strip_comment.cmake)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${STAGE1_COMPONENTS})
set(CPACK_COMPONENTS_GROUPING IGNORE)  # one package per component
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <package>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SOURCE ${STAGE1_PACKAGE_NAME})
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dpkg-shlibdeps (dpkg-dev) finds the libraries each package's binaries link: libpq5, libssl3,
# libstdc++6, libc6 for stage1ctl; libglfw3 and libstb0 too for stage1-debugger. Dear ImGui is
# linked statically (Debian ships only libimgui.a), so no imgui package. What it cannot see is
# declared below: libGL.so.1, which imgui's OpenGL loader opens with dlopen; ssh for the tunnel;
# pg_dump and pg_restore for backup and restore-check (15 or newer, since pg_dump refuses servers
# newer than itself).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The packages replace the single stage1-server-debugger package of earlier builds (same files).
set(CPACK_DEBIAN_PACKAGE_CONFLICTS ${STAGE1_PACKAGE_NAME})
set(CPACK_DEBIAN_PACKAGE_REPLACES ${STAGE1_PACKAGE_NAME})

# stage1ctl: the database host's package, where the nightly jobs run. No X11, GLFW or Mesa.
set(CPACK_DEBIAN_CLI_PACKAGE_NAME stage1ctl)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "openssh-client, postgresql-client-15 | postgresql-client (>= 15)")
# The replay-spool example unit mirrors the desktops' spool with rsync.
set(CPACK_DEBIAN_CLI_PACKAGE_SUGGESTS "rsync")
# The first line is the synopsis (CPACK_PACKAGE_DESCRIPTION_SUMMARY stays unset: CPack would put
# that one line in front of both packages' descriptions).
set(CPACK_DEBIAN_CLI_DESCRIPTION "operator CLI for the Stage 1 metadata store (PostgreSQL)
stage1ctl is the operator CLI of the Stage1 Server Debugger, for the database
host where the nightly jobs run: migrate, status, doctor, datasets, runs,
sims, config show/check/find, backfill-dataset, find, search, compare,
folds, validate, replay-spool, backup, restore-check and demo-seed.
.
The package also ships the SQL migrations, psql checks and helper scripts,
example systemd units and crontab, the operator runbook and bash completion.
It needs no X11 or OpenGL; the window is in the stage1-debugger package.")

# stage1-debugger: the window, for the analysts' desktops; it brings stage1ctl of its version.
set(CPACK_DEBIAN_WINDOW_PACKAGE_NAME stage1-debugger)
set(CPACK_COMPONENT_WINDOW_DEPENDS cli)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # "stage1ctl (= <version>)"
set(CPACK_DEBIAN_WINDOW_PACKAGE_DEPENDS "libgl1")
set(CPACK_DEBIAN_WINDOW_DESCRIPTION "desktop window over the Stage 1 metadata store (PostgreSQL)
stage1-debugger is a Dear ImGui desktop window over the Stage 1 metadata
store, the PostgreSQL database of indicator datasets, walk-forward runs and
simulations: direct or SSH-tunnelled connections, a lazy tree of datasets,
runs and simulations, byte-exact copy and paste of serialized run configs,
placeholder dataset backfill, run search and compare, and a diagnosis with
fixes for every connection failure.
.
The operator CLI, stage1ctl, comes with it in its own package.")
include(CPack)
