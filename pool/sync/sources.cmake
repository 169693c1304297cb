# Sources of the sync area (channels, select, Mutex, Semaphore, Context, timers); WaitGroup is
# listed with the runtime core.
list(APPEND GOPOOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/context_sleep.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mutex.cpp
  ${CMAKE_CURRENT_LIST_DIR}/select.cpp
  ${CMAKE_CURRENT_LIST_DIR}/semaphore.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ticker.cpp)
