# Tests of task groups (TaskGroup, pool/pools/task_group.cpp), and the fan_out example run small.
gopool_add_test(task_group_test TIMEOUT 600)

if(GOPOOL_BUILD_EXAMPLES)
  add_test(NAME example_fan_out
           COMMAND fan_out --urls 2000 --limit 64 --capacity 128 --fail-every 500
                   --max-latency-ms 5 --on-failure continue)
  set_tests_properties(example_fan_out PROPERTIES TIMEOUT 120 LABELS example
                       PASS_REGULAR_EXPRESSION "failed +4\n.*first error +none")
  add_test(NAME example_fan_out_fatal
           COMMAND fan_out --urls 2000 --limit 64 --capacity 128 --fail-every 500
                   --max-latency-ms 5 --on-failure fatal)
  set_tests_properties(example_fan_out_fatal PROPERTIES TIMEOUT 120 LABELS example
                       PASS_REGULAR_EXPRESSION "first error +https://[^ ]+ answered HTTP 503")
endif()
