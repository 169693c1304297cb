# Tests of the runtime core.
gopool_add_test(runtime_test)
gopool_add_test(context_switch_test)
gopool_add_test(scheduler_test)
gopool_add_test(timer_test)
gopool_add_test(timer_heap_test)
target_include_directories(timer_heap_test PRIVATE ${PROJECT_SOURCE_DIR}/pool)
gopool_add_test(stack_test)
gopool_add_test(exit_test)
gopool_add_test(deadlock_test)
gopool_add_test(sysmon_test)
gopool_add_test(netpoll_test)
gopool_add_test(wait_group_test)
gopool_add_test(wait_state_test)
target_include_directories(wait_state_test PRIVATE ${PROJECT_SOURCE_DIR}/pool)

# find_package(gopool) from an installed tree works for a consumer project.
set(gopool_consumer_cxx_flags "")
set(gopool_consumer_link_flags "")
if(GOPOOL_SANITIZE STREQUAL "address")
  set(gopool_consumer_cxx_flags "-fsanitize=address,undefined")
  set(gopool_consumer_link_flags "-fsanitize=address,undefined")
elseif(GOPOOL_SANITIZE STREQUAL "thread")
  set(gopool_consumer_cxx_flags "-fsanitize=thread")
  set(gopool_consumer_link_flags "-fsanitize=thread")
endif()
add_test(NAME install_consumer
  COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR}
          -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/install_consumer
          -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_consumer
          -DCXX_FLAGS=${gopool_consumer_cxx_flags} -DLINK_FLAGS=${gopool_consumer_link_flags}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/install_consumer/run.cmake)
set_tests_properties(install_consumer PROPERTIES TIMEOUT 600)

# The README's example runs and answers 42.
if(GOPOOL_BUILD_EXAMPLES)
  add_test(NAME example_hello COMMAND hello)
  set_tests_properties(example_hello PROPERTIES PASS_REGULAR_EXPRESSION "answer: 42" TIMEOUT 300)
endif()
