# The HTTP server example: handlers capped by a gopool::Pool, over gopool::net. All but main()
# is a library, so tests/http_parser_test and tests/http_server_test drive it in-process.
add_library(http_server_lib STATIC
  http_server/handlers.cpp
  http_server/parser.cpp
  http_server/response.cpp
  http_server/server.cpp)
target_include_directories(http_server_lib PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/http_server)
target_link_libraries(http_server_lib PUBLIC gopool::gopool PRIVATE nlohmann_json::nlohmann_json)
gopool_set_warnings(http_server_lib)

add_executable(http_server http_server/main.cpp)
target_link_libraries(http_server PRIVATE http_server_lib)
gopool_set_warnings(http_server)
