# Benchmarks of JoinSet and the future combinators.
list(APPEND GOPOOL_BENCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/join_bench.cpp)
