# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)
# nlohmann-json3-dev: header-only; only pool/debug/dump_json.cpp includes it, no public header.
find_package(nlohmann_json 3.2 REQUIRED)

# libconcurrentqueue-dev ships only headers, no CMake config: find the header.
find_path(GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
if(NOT TARGET gopool_concurrentqueue)
  add_library(gopool_concurrentqueue INTERFACE)
  target_include_directories(gopool_concurrentqueue SYSTEM INTERFACE ${GOPOOL_CONCURRENTQUEUE_INCLUDE_DIR})
endif()

# libdw (elfutils, libdw-dev), optional: with it the dump's backtraces carry file and line.
option(GOPOOL_WITH_LIBDW "Use libdw for file and line in backtraces, when pkg-config finds it" ON)
set(GOPOOL_HAVE_LIBDW OFF)
if(GOPOOL_WITH_LIBDW)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    # GLOBAL: an add_subdirectory parent links gopool (and so this target) from its own scope.
    pkg_check_modules(GOPOOL_LIBDW QUIET IMPORTED_TARGET GLOBAL libdw)
  endif()
  if(GOPOOL_LIBDW_FOUND)
    set(GOPOOL_HAVE_LIBDW ON)
    message(STATUS "gopool: backtraces with file and line (libdw ${GOPOOL_LIBDW_VERSION})")
  else()
    message(STATUS "gopool: libdw not found (libdw-dev): backtraces without file and line")
  endif()
endif()

# gopool_link_private_dependencies(target): the dependencies no public header needs. They stay
# out of the exported interface, except libdw's link name for a static gopool.
function(gopool_link_private_dependencies target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>)
  if(GOPOOL_HAVE_LIBDW)
    target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:PkgConfig::GOPOOL_LIBDW>
                                            $<INSTALL_INTERFACE:dw>)
    # Only the one file that uses it sees the switch, so toggling it rebuilds one object.
    set_source_files_properties(${PROJECT_SOURCE_DIR}/pool/debug/backtrace.cpp PROPERTIES
                                COMPILE_DEFINITIONS GOPOOL_HAVE_LIBDW=1)
  endif()
endfunction()

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
