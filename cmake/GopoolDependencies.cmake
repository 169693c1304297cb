# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)

# libconcurrentqueue-dev ships only headers, no CMake config: find the header.
find_path(GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
if(NOT TARGET gopool_concurrentqueue)
  add_library(gopool_concurrentqueue INTERFACE)
  target_include_directories(gopool_concurrentqueue SYSTEM INTERFACE ${GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR})
endif()

# Sanitizers apply to everything built in this tree, so tests and the library agree.
if(GOPOOL_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(GOPOOL_SANITIZE STREQUAL "thread")
  # -Wno-tsan: moodycamel::ConcurrentQueue (a system header we cannot change) uses fences.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT GOPOOL_SANITIZE STREQUAL "")
  message(FATAL_ERROR "GOPOOL_SANITIZE must be empty, 'address' or 'thread', not '${GOPOOL_SANITIZE}'")
endif()
