# gopool::net: TCP listeners and streams, and fd waits, on the runtime's netpoller.
list(APPEND GOPOOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/address.cpp
  ${CMAKE_CURRENT_LIST_DIR}/errors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io_lock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/net_fd.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tcp_listener.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tcp_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wait.cpp)
