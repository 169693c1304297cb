# Examples of the pool. Each example is also run by ctest (small sizes) so it keeps working.
gopool_add_example(ants_demo)
add_test(NAME example_ants_demo COMMAND ants_demo --tasks 20000 --capacity 2000 --sleep-ms 2)
set_tests_properties(example_ants_demo PROPERTIES TIMEOUT 120 LABELS example)

# fan_out: a batch fanned out through a TaskGroup (run small by tests/group.cmake).
gopool_add_example(fan_out)
