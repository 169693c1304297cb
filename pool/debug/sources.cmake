# Sources of the debug area: goroutine dump (text, JSON, on SIGQUIT), statistics and their
# Prometheus exposition, leak check.
list(APPEND GOPOOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/backtrace.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dump.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dump_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/leak_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pools.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prometheus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signal_dump.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stats.cpp)
