# Tests of the debug area: goroutine dump, leak check, statistics. The dump test exports its
# symbols so backtraces name functions.
gopool_add_test(dump_test)
set_target_properties(dump_test PROPERTIES ENABLE_EXPORTS ON)
gopool_add_test(leak_check_test)
gopool_add_test(debug_stats_test)
