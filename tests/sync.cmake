# Tests of the sync area (pool/sync): one executable per concept.
gopool_add_test(future_test)
gopool_add_test(chan_test)
gopool_add_test(select_test)
gopool_add_test(mutex_test)
gopool_add_test(semaphore_test)
gopool_add_test(ticker_test)
gopool_add_test(context_test)
gopool_add_test(leak_seeds_test)
gopool_add_test(deadline_test)

# The prime sieve example (built when examples are): the first 1000 primes end with 7919.
if(GOPOOL_BUILD_EXAMPLES)
  add_test(NAME example_prime_sieve
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:prime_sieve> -DN=1000 -DLAST=7919
                   -P ${CMAKE_CURRENT_LIST_DIR}/prime_sieve_check.cmake)
  set_tests_properties(example_prime_sieve PROPERTIES TIMEOUT 120 LABELS example)
endif()

# The sync stress test lives in tests/stress/ and carries the `stress` label
# (ctest -LE stress skips it).
add_executable(sync_stress_test stress/sync_stress_test.cpp)
target_link_libraries(sync_stress_test PRIVATE gopool_test_main)
gopool_set_warnings(sync_stress_test)
add_test(NAME sync_stress_test COMMAND sync_stress_test)
set_tests_properties(sync_stress_test PROPERTIES TIMEOUT 600 LABELS stress)
