# The gdb helper (tools/gdb/gopool.py) against a program with parked goroutines and its core.
# It reads the runtime through debug info, and runs the program natively: so only in builds
# with debug info that are not cross builds. Not under the sanitizers: ASan turns core dumps off
# on 64-bit targets (disable_coredump=1: its shadow memory would make cores of 16 TB), and the
# helper reads the same runtime structures in every build, so the normal build covers it.
if(NOT CMAKE_CROSSCOMPILING AND GOPOOL_SANITIZE STREQUAL "" AND CMAKE_BUILD_TYPE MATCHES "Deb")
  add_executable(gdb_parked_goroutines gdb/parked_goroutines.cpp)
  target_link_libraries(gdb_parked_goroutines PRIVATE gopool::gopool)
  gopool_set_warnings(gdb_parked_goroutines)
  add_test(NAME gdb_helper
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/gdb/gdb_helper.sh
                   ${PROJECT_SOURCE_DIR}/tools/gdb/gopool.py $<TARGET_FILE:gdb_parked_goroutines>
                   ${CMAKE_CURRENT_BINARY_DIR}/gdb_helper)
  set_tests_properties(gdb_helper PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
