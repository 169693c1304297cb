# Benchmarks of the sync area (channels, select, Future).
list(APPEND GOPOOL_BENCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_bench.cpp)
