# Runs at install time (cmake --install, cpack): installs ops/ with its paths pointing at where
# this install really puts stage1ctl and the runbook, instead of the repository's /usr/local/bin
# and /opt/stage1 examples. CMAKE_INSTALL_PREFIX is the install's (cpack's /usr for the .deb).
# In: STAGE1_OPS_SOURCE_DIR, STAGE1_OPS_SCRATCH_DIR, STAGE1_OPS_DATA_DIR, STAGE1_OPS_DOC_DIR,
#     STAGE1_OPS_BIN_DIR (the last three relative to the prefix).
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(ops_dir "${prefix}/${STAGE1_OPS_DATA_DIR}/ops")
file(GLOB sources "${STAGE1_OPS_SOURCE_DIR}/*")
file(REMOVE_RECURSE "${STAGE1_OPS_SCRATCH_DIR}")
file(MAKE_DIRECTORY "${STAGE1_OPS_SCRATCH_DIR}")
set(generated)
foreach(source IN LISTS sources)
  get_filename_component(name "${source}" NAME)
  file(READ "${source}" text)
  string(REPLACE "/usr/local/bin/stage1ctl" "${prefix}/${STAGE1_OPS_BIN_DIR}/stage1ctl" text "${text}")
  string(REPLACE "file:/opt/stage1/docs/RUNBOOK.md" "file:${prefix}/${STAGE1_OPS_DOC_DIR}/RUNBOOK.md"
         text "${text}")
  string(REGEX REPLACE "([ (])docs/RUNBOOK.md" "\\1${prefix}/${STAGE1_OPS_DOC_DIR}/RUNBOOK.md" text "${text}")
  # The install hint "cp ops/x.service ops/x.timer /etc/systemd/system/" copies from here.
  string(REGEX REPLACE "cp ops/([^ ]+) ops/" "cp ${ops_dir}/\\1 ${ops_dir}/" text "${text}")
  file(WRITE "${STAGE1_OPS_SCRATCH_DIR}/${name}" "${text}")
  list(APPEND generated "${STAGE1_OPS_SCRATCH_DIR}/${name}")
endforeach()
file(INSTALL DESTINATION "${ops_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES ${generated})
