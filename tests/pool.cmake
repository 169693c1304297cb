# Tests of the pool (pool/*.cpp). The worker queue tests reach the private headers in pool/.
gopool_add_test(errors_test)
gopool_add_test(worker_stack_test)
target_include_directories(worker_stack_test PRIVATE ${PROJECT_SOURCE_DIR}/pool)
gopool_add_test(worker_ring_test)
target_include_directories(worker_ring_test PRIVATE ${PROJECT_SOURCE_DIR}/pool)
gopool_add_test(pool_test TIMEOUT 600)
gopool_add_test(pool_with_func_test TIMEOUT 600)
gopool_add_test(multi_pool_test)
