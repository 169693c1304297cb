# Runs the prime_sieve example and checks its output: cmake -DEXE=... -DN=... -DLAST=... -P this.
# Passes when the program exits 0, prints exactly N numbers, and the last one is LAST.
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED EXE OR NOT DEFINED N OR NOT DEFINED LAST)
  message(FATAL_ERROR "usage: cmake -DEXE=<prime_sieve> -DN=<count> -DLAST=<prime> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
execute_process(COMMAND ${EXE} ${N} OUTPUT_VARIABLE out RESULT_VARIABLE rc TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "prime_sieve ${N} exited with ${rc}")
endif()
string(STRIP "${out}" out)
string(REPLACE "\n" ";" lines "${out}")
# Keep only the number lines: a runtime log line (e.g. a sysmon warning on a slow sanitizer
# build) may be interleaved on stdout.
list(FILTER lines INCLUDE REGEX "^[0-9]+$")
list(LENGTH lines count)
list(GET lines -1 last)
if(NOT count EQUAL N)
  message(FATAL_ERROR "prime_sieve ${N} printed ${count} numbers, expected ${N}")
endif()
if(NOT last STREQUAL LAST)
  message(FATAL_ERROR "prime_sieve ${N} ended with '${last}', expected '${LAST}'")
endif()
message(STATUS "prime_sieve ${N}: ${count} primes, last ${last}")
