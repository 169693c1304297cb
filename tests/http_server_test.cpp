// The HTTP example's server in-process (examples/http_server/server.hpp): connections that send
// nothing but empty lines (issue 15, F7) are answered and closed instead of spinning, a full
// buffer without a complete head is refused, and the server keeps serving afterwards.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// Exchange: what one connection got back, or why it could not talk.
struct Exchange {
  std::string error;     // empty when connect and write worked
  std::string response;  // everything read until the server closed (or the deadline)
  bool closed = false;   // the server closed the connection (eof or reset), not the deadline
};

// talk: connects to 127.0.0.1:port with a plain blocking socket (so the client never depends
// on the runtime it tests), sends `request`, then reads until the server closes. `read_back`
// false closes right after writing, as `printf ... > /dev/tcp/...` does. The 30 s limit per
// call is generous: it only ends a broken run.
Exchange talk(std::uint16_t port, std::string_view request, bool read_back = true) {
  Exchange out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.error = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  const timeval limit{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    out.error = std::string("connect: ") + std::strerror(errno);
  }
  while (out.error.empty() && !request.empty()) {
    const ssize_t n = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      out.error = std::string("send: ") + std::strerror(errno);
    } else {
      request.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  char buf[4096];
  while (out.error.empty() && read_back) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.response.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    // 0: the server closed; a reset also ends the connection; EAGAIN: the limit passed.
    out.closed = n == 0 || errno == ECONNRESET;
    break;
  }
  ::close(fd);
  return out;
}

// open_connections: server.connections.open of the server's /stats JSON.
long open_connections(const http::Server& server) {
  const auto doc = nlohmann::json::parse(server.stats());
  return doc.at("server").at("connections").at("open").get<long>();
}

// ServerFixture: a server on a free loopback port with two handler slots.
struct ServerFixture {
  http::Server server{[] {
    http::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.capacity = 2;
    return o;
  }()};

  ServerFixture() { REQUIRE_FALSE(server.start()); }
  ~ServerFixture() { server.stop(5s); }

  std::uint16_t at() const { return server.address().port(); }

  // hello_works: a plain GET / on a new connection is answered 200 with the greeting.
  bool hello_works() const {
    const Exchange e = talk(at(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    INFO("error: " << e.error << "; response: " << e.response);
    return e.error.empty() && e.response.rfind("HTTP/1.1 200 ", 0) == 0 &&
           e.response.find("Hello, World!") != std::string::npos;
  }
};

}  // namespace

TEST_CASE_FIXTURE(ServerFixture,
                  "F7: connections of 4096 CRLFs are refused and closed; the "
                  "server keeps serving and does not spin") {
  const std::string crlfs = repeat("\r\n", 4096);  // the 8 KiB buffer, full of empty lines

  // The reproducer of the issue: four connections that send them and hang up at once.
  for (int i = 0; i < 4; ++i) {
    const Exchange e = talk(at(), crlfs, /*read_back=*/false);
    CHECK(e.error.empty());
  }

  // Four at the same time that wait for the answer: each gets a 400, then the server closes.
  std::vector<Exchange> answers(4);
  std::vector<std::thread> clients;
  for (Exchange& answer : answers) {
    clients.emplace_back([&answer, where = at(), &crlfs] { answer = talk(where, crlfs); });
  }
  for (std::thread& t : clients)
    t.join();
  for (const Exchange& e : answers) {
    INFO("error: " << e.error << "; response: " << e.response.substr(0, 200));
    CHECK(e.error.empty());
    CHECK(e.response.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(e.response.find("Connection: close\r\n") != std::string::npos);
    CHECK(e.closed);
  }

  // Still responsive, and every one of those connections has ended: a goroutine spinning on a
  // full buffer would hold its connection open forever.
  CHECK(hello_works());
  CHECK(gopool::test::wait_until([&] { return open_connections(server) == 0; }, 60s));
}

TEST_CASE_FIXTURE(ServerFixture, "a few empty lines before a request are ignored") {
  const Exchange e =
      talk(at(), "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  INFO("response: " << e.response);
  CHECK(e.response.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(e.closed);
}

TEST_CASE_FIXTURE(ServerFixture, "a full buffer without a complete head is refused with 431") {
  // Header fields that never end: the buffer fills before the blank line can come.
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n" + repeat("X-a: b\r\n", 2000);
  const Exchange e = talk(at(), head);
  INFO("response: " << e.response.substr(0, 200));
  CHECK(e.response.rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(e.closed);
  CHECK(hello_works());
}
