# Checks gopool as its users take it, each time building and running main.cpp:
#  - the build tree's own package (static or shared, as built), installed to a scratch prefix,
#    through find_package and through pkg-config;
#  - with -DFULL=ON also gopool of the other kind inside a parent project that sets no build
#    type (add_subdirectory when this build is static, FetchContent when it is shared): the
#    parent's cache keeps an empty CMAKE_BUILD_TYPE and the GOPOOL_* defaults of a subproject,
#    its install holds no gopool file; then, with GOPOOL_INSTALL=ON, its install is a package
#    of the other kind, checked as above. One more build of the library in all.
#  - with -DALL_PARENTS=ON the three other parent combinations as well (three more builds).
# Arguments: -DBUILD_DIR -DSOURCE_DIR (this folder) -DGOPOOL_SOURCE -DWORK_DIR -DSHARED -DFULL
#            -DALL_PARENTS -DGENERATOR -DC_COMPILER -DCXX_COMPILER -DCXX_FLAGS -DLINK_FLAGS
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
set(tools -G ${GENERATOR} -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
          -DCMAKE_CXX_FLAGS=${CXX_FLAGS} -DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}
          -DCMAKE_SHARED_LINKER_FLAGS=${LINK_FLAGS})

# step(what COMMAND ...): runs the command; a failure ends the test with its output.
function(step what)
  execute_process(${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# expect_sum(what program): the consumer ran and added 1..100 on goroutines.
function(expect_sum what)
  step("${what}: running the consumer" COMMAND ${ARGN})
  if(NOT step_output MATCHES "sum=5050")
    message(FATAL_ERROR "${what}: the consumer said '${step_output}'")
  endif()
  message(STATUS "${what}: ok")
endfunction()

# expect_stack_clash(what dir want): the consumer configured in dir compiles its code with
# -fstack-clash-protection (want true) or without it (want false): its code runs on goroutine
# stacks. (The parameter must not be called "on": if() reads that as the constant ON.)
function(expect_stack_clash what dir want)
  file(READ ${dir}/compile_commands.json commands)
  string(FIND "${commands}" "-fstack-clash-protection" at)
  if(want AND at EQUAL -1)
    message(FATAL_ERROR "${what}: the consumer's code is not built with -fstack-clash-protection")
  elseif(NOT want AND NOT at EQUAL -1)
    message(FATAL_ERROR "${what}: the consumer's code is built with -fstack-clash-protection")
  endif()
  message(STATUS "${what}: -fstack-clash-protection is as wanted (${want})")
endfunction()

# check_package(name kind prefix): find_package and pkg-config consumers of an installed gopool
# of kind static or shared; name labels the messages and the work folder.
function(check_package name kind prefix)
  set(dir ${WORK_DIR}/${name})
  # The export set holds gopool::gopool and nothing else (no internal target, no build path).
  file(GLOB_RECURSE targets ${prefix}/*/gopoolTargets.cmake)
  file(READ "${targets}" text)
  string(REGEX MATCHALL "add_library\\(([^ ]+)" added "${text}")
  if(NOT added STREQUAL "add_library(gopool::gopool" OR text MATCHES "concurrentqueue|${GOPOOL_SOURCE}")
    message(FATAL_ERROR "${name}: the exported targets are not just gopool::gopool:\n${text}")
  endif()
  file(GLOB_RECURSE license ${prefix}/share/doc/gopool/LICENSE)
  if(NOT license)
    message(FATAL_ERROR "${name}: the install holds no share/doc/gopool/LICENSE")
  endif()

  step("${name}: configuring the find_package consumer"
       COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir}/find_package ${tools}
               -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
               -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
  expect_stack_clash("${name} find_package" ${dir}/find_package ${STACK_CLASH})
  # The opt-out: GOPOOL_STACK_CLASH_PROTECTION=OFF before find_package drops the flag.
  step("${name}: configuring a consumer that opts out of stack-clash protection"
       COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir}/find_package-no-clash ${tools}
               -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
               -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DGOPOOL_STACK_CLASH_PROTECTION=OFF)
  expect_stack_clash("${name} opt-out" ${dir}/find_package-no-clash OFF)
  step("${name}: building the find_package consumer"
       COMMAND ${CMAKE_COMMAND} --build ${dir}/find_package)
  expect_sum("${name} find_package" ${dir}/find_package/consumer)

  # pkg-config: a static library needs --static for what it links privately (spdlog).
  file(GLOB_RECURSE pc ${prefix}/*/gopool.pc)
  get_filename_component(pc_dir "${pc}" DIRECTORY)
  set(pc_flags --cflags --libs)
  if(kind STREQUAL "static")
    list(APPEND pc_flags --static)
  endif()
  step("${name}: pkg-config" COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir}
                                     pkg-config ${pc_flags} gopool)
  separate_arguments(pc_args UNIX_COMMAND "${step_output}")
  separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
  separate_arguments(link_flags UNIX_COMMAND "${LINK_FLAGS}")
  file(MAKE_DIRECTORY ${dir}/pkg-config)
  step("${name}: building the pkg-config consumer"
       COMMAND ${CXX_COMPILER} -std=c++20 ${cxx_flags} ${SOURCE_DIR}/main.cpp ${pc_args}
               ${link_flags} -o ${dir}/pkg-config/consumer)
  expect_sum("${name} pkg-config"
             ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${pc_dir}/.. ${dir}/pkg-config/consumer)
endfunction()

# check_parent(how shared [package]): gopool built inside a parent project that sets no build
# type; "package" then also installs it from there and checks that package.
function(check_parent how shared)
  if(shared)
    set(kind shared)
  else()
    set(kind static)
  endif()
  set(dir ${WORK_DIR}/${how}-${kind})
  step("${how} ${kind}: configuring the parent"
       COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/subproject -B ${dir}/build ${tools}
               -DHOW=${how} -DGOPOOL_SOURCE=${GOPOOL_SOURCE} -DBUILD_SHARED_LIBS=${shared})
  file(STRINGS ${dir}/build/CMakeCache.txt cached REGEX "^(CMAKE_BUILD_TYPE|GOPOOL_[A-Z_]+):")
  foreach(entry IN ITEMS "CMAKE_BUILD_TYPE:STRING=" "GOPOOL_INSTALL:BOOL=OFF"
                         "GOPOOL_BUILD_TESTS:BOOL=OFF" "GOPOOL_BUILD_BENCHMARKS:BOOL=OFF"
                         "GOPOOL_BUILD_EXAMPLES:BOOL=OFF")
    if(NOT entry IN_LIST cached)
      message(FATAL_ERROR "${how} ${kind}: the parent's cache lacks '${entry}':\n${cached}")
    endif()
  endforeach()
  step("${how} ${kind}: building the parent" COMMAND ${CMAKE_COMMAND} --build ${dir}/build)
  expect_sum("${how} ${kind}" ${dir}/build/consumer)
  step("${how} ${kind}: installing the parent"
       COMMAND ${CMAKE_COMMAND} --install ${dir}/build --prefix ${dir}/prefix)
  file(GLOB_RECURSE installed RELATIVE ${dir}/prefix ${dir}/prefix/*)
  if(NOT installed STREQUAL "bin/consumer")
    message(FATAL_ERROR "${how} ${kind}: the parent's install holds more than its program: ${installed}")
  endif()
  if(ARGN STREQUAL "package")
    # Asked for, a subproject installs itself too: the package of this kind, at no new build.
    step("${how} ${kind}: configuring the parent with GOPOOL_INSTALL=ON"
         COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/subproject -B ${dir}/build -DGOPOOL_INSTALL=ON)
    step("${how} ${kind}: installing gopool from the parent"
         COMMAND ${CMAKE_COMMAND} --install ${dir}/build --prefix ${dir}/package)
    check_package(${kind}-from-${how} ${kind} ${dir}/package)
  endif()
endfunction()

if(SHARED)
  set(own shared)
  set(other_shared OFF)
  set(how FetchContent)
else()
  set(own static)
  set(other_shared ON)
  set(how add_subdirectory)
endif()
step("installing the build tree"
     COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/${own}-prefix)
check_package(${own} ${own} ${WORK_DIR}/${own}-prefix)

if(FULL)
  check_parent(${how} ${other_shared} package)
endif()
if(ALL_PARENTS)
  foreach(parent IN ITEMS add_subdirectory FetchContent)
    foreach(shared IN ITEMS OFF ON)
      if(NOT (parent STREQUAL how AND shared STREQUAL other_shared))
        check_parent(${parent} ${shared})
      endif()
    endforeach()
  endforeach()
endif()
