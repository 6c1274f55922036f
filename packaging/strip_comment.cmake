# CPACK_PRE_BUILD_SCRIPTS: after CPACK_STRIP_FILES, also drop the .comment section (compiler
# versions) from the staged programs, as dh_strip does (lintian: binary-has-unneeded-section).
# One staging folder per component (packaging.cmake builds a package per component).
file(GLOB programs "${CPACK_TEMPORARY_DIRECTORY}/usr/bin/*" "${CPACK_TEMPORARY_DIRECTORY}/*/usr/bin/*")
foreach(program IN LISTS programs)
  execute_process(COMMAND "${CPACK_STAGE1_STRIP}" --remove-section=.comment "${program}"
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "strip --remove-section=.comment ${program} failed")
  endif()
endforeach()
