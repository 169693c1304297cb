list(APPEND GOPOOL_BENCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_bench.cpp)
# oneTBB's figures beside BM_PoolPost, only where libtbb-dev happens to be installed (it is not a
# dependency: scripts/install-deps.sh does not install it).
find_package(TBB QUIET)
if(TBB_FOUND)
  list(APPEND GOPOOL_BENCH_SOURCES ${CMAKE_CURRENT_LIST_DIR}/tbb_bench.cpp)
  list(APPEND GOPOOL_BENCH_LIBS TBB::tbb)
endif()
