# The HTTP server example: handlers capped by a gopool::Pool, over gopool::net.
add_executable(http_server
  http_server/main.cpp
  http_server/handlers.cpp
  http_server/parser.cpp
  http_server/response.cpp
  http_server/server.cpp)
target_link_libraries(http_server PRIVATE gopool::gopool)
gopool_set_warnings(http_server)
