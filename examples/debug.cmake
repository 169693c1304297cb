# Examples of the debug area, each run by ctest.
gopool_add_example(leak_hunt)
add_test(NAME example_leak_hunt COMMAND leak_hunt)
set_tests_properties(example_leak_hunt PROPERTIES TIMEOUT 120 LABELS example)
