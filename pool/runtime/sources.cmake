# Sources of the runtime core (pool/runtime) and WaitGroup.
list(APPEND GOPOOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/context_switch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chaos.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runtime.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fatal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runtime_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/goroutine_info.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sysmon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/deadlock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netpoll.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../sync/wait_group.cpp)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND GOPOOL_SOURCES ${CMAKE_CURRENT_LIST_DIR}/switch_x86_64.S)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  list(APPEND GOPOOL_SOURCES ${CMAKE_CURRENT_LIST_DIR}/switch_aarch64.S)
else()
  message(FATAL_ERROR "gopool has no context switch for ${CMAKE_SYSTEM_PROCESSOR}")
endif()
