# Network benchmarks: echo_bench, TCP echo ping-pong to run beside benchmarks/go/echo
# (benchmarks/echo_compare.sh); the HTTP comparison is benchmarks/http_load.sh.
add_executable(echo_bench ${CMAKE_CURRENT_LIST_DIR}/echo_bench.cpp)
target_link_libraries(echo_bench PRIVATE gopool::gopool)
gopool_set_warnings(echo_bench)
