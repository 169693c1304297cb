# Tests of gopool::net and the HTTP example.
gopool_add_test(tcp_test)
# Cancellation reaching every context-aware wait (sleep, select, pool, TCP, wait_readable).
gopool_add_test(context_wait_test)

# End-to-end: the HTTP example under curl and raw sockets (examples/http_server).
if(GOPOOL_BUILD_EXAMPLES)
  add_test(NAME http_server_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/http_server_e2e.sh $<TARGET_FILE:http_server>)
  set_tests_properties(http_server_e2e PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS example)
endif()

# The HTTP example's parser (randomized) and server (issue 15, F7), in-process.
if(GOPOOL_BUILD_EXAMPLES)
  gopool_add_test(http_parser_test)
  target_link_libraries(http_parser_test PRIVATE http_server_lib)
  gopool_add_test(http_server_test)
  target_link_libraries(http_server_test PRIVATE http_server_lib nlohmann_json::nlohmann_json)
endif()
