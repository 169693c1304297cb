# Sources of the pool layer (pool/pools/*.cpp): errors, the idle-worker queues, the shared core,
# its worker goroutine and its purge, the registry of live pools, task groups.
list(APPEND GOPOOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_stack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_ring.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pool_base.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pool_core.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/purge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/default_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/multi_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/join_set.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task_group.cpp)
