# Install rules (GOPOOL_INSTALL): the library, its headers, the CMake package gopool::gopool,
# gopool.pc for pkg-config, and the license.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(gopool_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/gopool)
install(TARGETS gopool EXPORT gopoolTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/gopool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT gopoolTargets NAMESPACE gopool:: DESTINATION ${gopool_cmake_dir})

# A static gopool carries its private dependencies into the consumer's link: the package
# config finds them again. A shared one has them in its own DT_NEEDED.
get_target_property(gopool_library_type gopool TYPE)
if(gopool_library_type STREQUAL "STATIC_LIBRARY")
  set(GOPOOL_PACKAGE_STATIC ON)
else()
  set(GOPOOL_PACKAGE_STATIC OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gopoolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gopoolConfig.cmake INSTALL_DESTINATION ${gopool_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gopoolConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gopoolConfig.cmake ${PROJECT_BINARY_DIR}/gopoolConfigVersion.cmake
  DESTINATION ${gopool_cmake_dir})

# gopool.pc finds its prefix from its own place (${pcfiledir}), so an install moved with
# `cmake --install --prefix` or DESTDIR stays right. Only a static gopool lists what the
# consumer's link needs besides it (pkg-config --static).
set(gopool_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(gopool_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH gopool_pc_up /gopool_root/${gopool_pc_dir} /gopool_root)
  string(REGEX REPLACE "/$" "" gopool_pc_up "${gopool_pc_up}")
  set(gopool_pc_prefix "\${pcfiledir}/${gopool_pc_up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(gopool_pc_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(gopool_pc_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
if(GOPOOL_PACKAGE_STATIC)
  set(gopool_pc_private "Requires.private: spdlog\nLibs.private: -pthread\n")
else()
  set(gopool_pc_private "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/gopool.pc.in ${PROJECT_BINARY_DIR}/gopool.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gopool.pc DESTINATION ${gopool_pc_dir})

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The gdb helper (`info goroutines`, `goroutine <id> bt`); tools/gdb/README.md says how to load it.
install(FILES ${PROJECT_SOURCE_DIR}/tools/gdb/gopool.py DESTINATION ${CMAKE_INSTALL_DATADIR}/gopool/gdb)
