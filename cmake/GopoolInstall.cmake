include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS gopool gopool_concurrentqueue EXPORT gopoolTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/gopool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT gopoolTargets NAMESPACE gopool:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gopool)
configure_package_config_file(cmake/gopoolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gopoolConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gopool)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gopoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gopoolConfig.cmake ${PROJECT_BINARY_DIR}/gopoolConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gopool)
# The gdb helper (`info goroutines`, `goroutine <id> bt`); tools/gdb/README.md says how to load it.
install(FILES ${PROJECT_SOURCE_DIR}/tools/gdb/gopool.py DESTINATION ${CMAKE_INSTALL_DATADIR}/gopool/gdb)
