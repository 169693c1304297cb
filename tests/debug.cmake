# Tests of the debug area: goroutine dump, leak check, statistics. The dump test exports its
# symbols so backtraces name functions.
gopool_add_test(dump_test)
set_target_properties(dump_test PROPERTIES ENABLE_EXPORTS ON)
gopool_add_test(leak_check_test)
gopool_add_test(debug_stats_test)
# The dump test needs nlohmann::json to read the JSON dump, and line tables (-g, whatever the
# build type) for its file-and-line check, which runs when gopool was built with libdw.
target_link_libraries(dump_test PRIVATE nlohmann_json::nlohmann_json)
target_compile_options(dump_test PRIVATE -g)
if(GOPOOL_HAVE_LIBDW)
  target_compile_definitions(dump_test PRIVATE GOPOOL_TEST_HAVE_LIBDW=1)
endif()
