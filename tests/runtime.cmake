# Tests of the runtime core.
gopool_add_test(runtime_test)
gopool_add_test(context_switch_test)
gopool_add_test(scheduler_test)
gopool_add_test(timer_test)
gopool_add_test(timer_heap_test WHITEBOX)
gopool_add_test(run_queue_test WHITEBOX)
gopool_add_test(solo_test WHITEBOX)
gopool_add_test(stack_test)
gopool_add_test(tsan_limit_test TIMEOUT 900)  # under TSan: ~16 000 TSan threads set up
gopool_add_test(exit_test)
gopool_add_test(deadlock_test)
gopool_add_test(sysmon_test)
gopool_add_test(netpoll_test)
gopool_add_test(wait_group_test)
gopool_add_test(wait_state_test WHITEBOX)

# The README's example runs and answers 42.
if(GOPOOL_BUILD_EXAMPLES)
  add_test(NAME example_hello COMMAND hello)
  set_tests_properties(example_hello PROPERTIES PASS_REGULAR_EXPRESSION "answer: 42" TIMEOUT 300)
endif()
