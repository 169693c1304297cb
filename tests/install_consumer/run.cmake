# Installs the gopool build tree into a scratch prefix, then configures, builds and runs the
# consumer project against it. Arguments: -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR, and
# -DSTACK_CLASH=ON|OFF: whether the consumer's code must be compiled with
# -fstack-clash-protection (it must never be once the consumer sets
# GOPOOL_STACK_CLASH_PROTECTION=OFF).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
# configure_consumer(dir expect_flag [args...]): configures the consumer in dir and checks
# whether its compile command carries -fstack-clash-protection.
function(configure_consumer dir expect_flag)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir}
                          -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                          -DCMAKE_CXX_FLAGS=${CXX_FLAGS} -DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}
                          -DCMAKE_EXPORT_COMPILE_COMMANDS=ON ${ARGN}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring the consumer failed: ${rc}")
  endif()
  file(READ ${dir}/compile_commands.json commands)
  string(FIND "${commands}" "-fstack-clash-protection" at)
  if(expect_flag AND at EQUAL -1)
    message(FATAL_ERROR "the consumer's code is not built with -fstack-clash-protection")
  elseif(NOT expect_flag AND NOT at EQUAL -1)
    message(FATAL_ERROR "the consumer's code is built with -fstack-clash-protection")
  endif()
endfunction()

configure_consumer(${WORK_DIR}/build-no-clash OFF -DGOPOOL_STACK_CLASH_PROTECTION=OFF)
configure_consumer(${WORK_DIR}/build ${STACK_CLASH})
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "consumer said: ${out}")
if(rc)
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()
