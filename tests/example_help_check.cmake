# Checks an example's command line: cmake -DEXE=<program> -P this. `--help` must exit 0 and print
# the usage line; an unknown option must exit non-zero and say so on stderr.
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED EXE)
  message(FATAL_ERROR "usage: cmake -DEXE=<example> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
execute_process(COMMAND ${EXE} --help OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
                TIMEOUT 30)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --help exited with ${rc}\n${out}${err}")
endif()
if(NOT out MATCHES "Usage: [^\n]*--help|Usage: [^\n]*OPTIONS")
  message(FATAL_ERROR "${EXE} --help printed no usage line:\n${out}")
endif()
execute_process(COMMAND ${EXE} --no-such-option OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc TIMEOUT 30)
if(rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --no-such-option exited with 0\n${out}${err}")
endif()
if(NOT err MATCHES "no-such-option")
  message(FATAL_ERROR "${EXE} --no-such-option did not name the bad option on stderr:\n${err}")
endif()
message(STATUS "${EXE}: --help and a bad option behave")
