# Task group benchmarks: BM_TaskGroupFanOut, beside the Go program benchmarks/go/errgroup.
list(APPEND GOPOOL_BENCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/group_bench.cpp)
