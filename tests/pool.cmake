# Tests of the pool layer (pool/pools/). The worker queue tests reach its private headers.
gopool_add_test(errors_test)
gopool_add_test(worker_stack_test WHITEBOX)
gopool_add_test(worker_ring_test WHITEBOX)
gopool_add_test(pool_test TIMEOUT 600)
gopool_add_test(pool_with_func_test TIMEOUT 600)
gopool_add_test(multi_pool_test)
gopool_add_test(pool_registry_test)
gopool_add_test(pool_hostile_test TIMEOUT 600)
gopool_add_test(pool_handoff_test TIMEOUT 600)
gopool_add_test(coop_budget_test TIMEOUT 600)

# The stress test lives in tests/stress/ and carries the `stress` label (ctest -LE stress skips it).
add_executable(pool_stress_test stress/pool_stress_test.cpp)
target_link_libraries(pool_stress_test PRIVATE gopool_test_main)
gopool_set_warnings(pool_stress_test)
add_test(NAME pool_stress_test COMMAND pool_stress_test)
set_tests_properties(pool_stress_test PROPERTIES TIMEOUT 600 LABELS stress)
gopool_add_test(pool_refusal_test)
gopool_add_test(pool_kinds_test)

# An on_reject of the wrong signature is a compile error whose message names the one expected.
add_test(NAME on_reject_signature_message
  COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -I${PROJECT_SOURCE_DIR}/include
          ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/on_reject_signature.cpp)
set_tests_properties(on_reject_signature_message PROPERTIES
  PASS_REGULAR_EXPRESSION "on_reject must be a RejectPolicy or callable as void\\(gopool::RejectedTask\\)")
