# How users take gopool (tests/install_consumer/run.cmake): this build's installed package
# through find_package and pkg-config; outside sanitizer builds also the other library kind
# (static/shared) built as a subproject (add_subdirectory or FetchContent) and installed from
# there: one more build of the library. GOPOOL_PACKAGE_TEST_ALL adds the three other
# subproject combinations (three more builds). Label "package": ctest -LE package skips it.
option(GOPOOL_PACKAGE_TEST_ALL "install_consumer: every add_subdirectory/FetchContent x static/shared parent" OFF)
set(gopool_consumer_cxx_flags "")
set(gopool_consumer_link_flags "")
if(GOPOOL_SANITIZE STREQUAL "address")
  set(gopool_consumer_cxx_flags "-fsanitize=address,undefined")
  set(gopool_consumer_link_flags "-fsanitize=address,undefined")
elseif(GOPOOL_SANITIZE STREQUAL "thread")
  set(gopool_consumer_cxx_flags "-fsanitize=thread")
  set(gopool_consumer_link_flags "-fsanitize=thread")
endif()
if(GOPOOL_SANITIZE STREQUAL "")
  set(gopool_consumer_full ON)
else()
  set(gopool_consumer_full OFF)
endif()
if(GOPOOL_STACK_CLASH_PROTECTION AND GOPOOL_HAVE_STACK_CLASH_PROTECTION)
  set(gopool_consumer_stack_clash ON)
else()
  set(gopool_consumer_stack_clash OFF)
endif()
get_target_property(gopool_consumer_type gopool TYPE)
if(gopool_consumer_type STREQUAL "SHARED_LIBRARY")
  set(gopool_consumer_shared ON)
else()
  set(gopool_consumer_shared OFF)
endif()
if(GOPOOL_INSTALL)
  add_test(NAME install_consumer
    COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR}
            -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/install_consumer
            -DGOPOOL_SOURCE=${PROJECT_SOURCE_DIR}
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_consumer
            -DSHARED=${gopool_consumer_shared} -DFULL=${gopool_consumer_full}
            -DALL_PARENTS=${GOPOOL_PACKAGE_TEST_ALL} -DSTACK_CLASH=${gopool_consumer_stack_clash}
            -DGENERATOR=${CMAKE_GENERATOR}
            -DC_COMPILER=${CMAKE_C_COMPILER} -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
            -DCXX_FLAGS=${gopool_consumer_cxx_flags} -DLINK_FLAGS=${gopool_consumer_link_flags}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/install_consumer/run.cmake)
  set_tests_properties(install_consumer PROPERTIES TIMEOUT 1800 LABELS package)
endif()
