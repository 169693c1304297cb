// The HTTP example's server in-process (examples/http_server/server.hpp): connections that send
// nothing but empty lines (issue 15, F7) are answered and closed instead of spinning, a full
// buffer without a complete head is refused, and the server keeps serving afterwards.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gopool/net.hpp>

#include "server.hpp"
#include "support/wait_until.hpp"

using namespace std::chrono_literals;
namespace net = gopool::net;

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

// exchange: from the calling thread (a foreign one: its socket calls block it), connects, sends
// `request`, then reads until the server closes. `read_back` false closes right after writing,
// as `printf ... > /dev/tcp/...` does. The deadline is generous: it only ends a broken run.
Exchange exchange(const net::Address& at, std::string_view request, bool read_back = true) {
  Exchange out;
  auto c = net::TcpStream::connect(at, net::deadline_in(60s));
  if (!c) {
    out.error = "connect: " + c.error().message();
    return out;
  }
  (void)c->set_deadline(net::deadline_in(60s));
  if (auto w = c->write_all(request); !w) {
    out.error = "write: " + w.error.message();
    return out;
  }
  if (!read_back) return out;
  char buf[4096];
  for (;;) {
    const auto r = c->read(buf, sizeof buf);
    if (!r) {
      out.closed = r.error != net::errc::timeout;
      break;
    }
    out.response.append(buf, r.bytes);
  }
  return out;
}

// open_connections: the "N open" of the server's /stats text.
long open_connections(const http::Server& server) {
  const std::string s = server.stats();
  const std::size_t at = s.find(" open,");
  if (at == std::string::npos) return -1;
  const std::size_t from = s.rfind(' ', at - 1) + 1;
  return std::stol(s.substr(from, at - from));
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

  net::Address at() const { return server.address(); }

  // hello_works: a plain GET / on a new connection is answered 200 with the greeting.
  bool hello_works() const {
    const Exchange e = exchange(at(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
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
    const Exchange e = exchange(at(), crlfs, /*read_back=*/false);
    CHECK(e.error.empty());
  }

  // Four at the same time that wait for the answer: each gets a 400, then the server closes.
  std::vector<Exchange> answers(4);
  std::vector<std::thread> clients;
  for (Exchange& answer : answers) {
    clients.emplace_back([&answer, where = at(), &crlfs] { answer = exchange(where, crlfs); });
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
      exchange(at(), "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  INFO("response: " << e.response);
  CHECK(e.response.rfind("HTTP/1.1 200 ", 0) == 0);
  CHECK(e.closed);
}

TEST_CASE_FIXTURE(ServerFixture, "a full buffer without a complete head is refused with 431") {
  // Header fields that never end: the buffer fills before the blank line can come.
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n" + repeat("X-a: b\r\n", 2000);
  const Exchange e = exchange(at(), head);
  INFO("response: " << e.response.substr(0, 200));
  CHECK(e.response.rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(e.closed);
  CHECK(hello_works());
}
