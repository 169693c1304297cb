# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)

# libconcurrentqueue-dev ships only headers, no CMake config: find the header.
find_path(GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
if(NOT TARGET gopool_concurrentqueue)
  add_library(gopool_concurrentqueue INTERFACE)
  target_include_directories(gopool_concurrentqueue SYSTEM INTERFACE ${GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR})
endif()

# Sanitizers apply to everything built in this tree, so tests and the library agree; the
# GOPOOL_ASAN/GOPOOL_TSAN macros tell the sources and tests which one runs (never exported).
if(GOPOOL_SANITIZE STREQUAL "address")
  add_compile_definitions(GOPOOL_ASAN=1)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(GOPOOL_SANITIZE STREQUAL "thread")
  # -Wno-tsan (a GCC warning): moodycamel::ConcurrentQueue (a system header we cannot change) uses fences.
  add_compile_definitions(GOPOOL_TSAN=1)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wno-tsan>)
  add_link_options(-fsanitize=thread)
elseif(NOT GOPOOL_SANITIZE STREQUAL "")
  message(FATAL_ERROR "GOPOOL_SANITIZE must be empty, 'address' or 'thread', not '${GOPOOL_SANITIZE}'")
endif()
