# Tests of the runtime core.
gopool_add_test(runtime_test)
gopool_add_test(context_switch_test)
gopool_add_test(scheduler_test)
gopool_add_test(timer_test)
gopool_add_test(stack_test)
gopool_add_test(exit_test)
gopool_add_test(wait_group_test)
