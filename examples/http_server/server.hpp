// Server: the example's HTTP/1.1 server: one goroutine per connection reads and parses
// requests; each handler runs in a gopool::Pool of bounded capacity in nonblocking mode, and
// when the pool is full its on_reject answers 503 at once instead of queueing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_set>

#include <gopool/net.hpp>
#include <gopool/pool.hpp>
#include <gopool/wait_group.hpp>

#include "parser.hpp"
#include "response.hpp"

namespace http {

// ServerOptions: where to listen and how much to accept.
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0 = any free port (address() tells which)
  int capacity = 1000;  // handlers running at once; more requests get 503
  Limits limits;        // request head and body sizes
  std::chrono::milliseconds idle_timeout{60'000};   // waiting for (the rest of) a request
  std::chrono::milliseconds write_timeout{30'000};  // writing a response
};

class Server {
 public:
  // Server: builds the pool. Throws std::system_error for a capacity < 1 (errc::invalid_capacity).
  explicit Server(ServerOptions options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // ~Server: stop() if still running.
  ~Server();

  // start: listens and starts accepting in a goroutine. Errors: those of TcpListener::listen.
  std::error_code start();

  // address: where the server listens (with the chosen port).
  gopool::net::Address address() const { return address_; }

  // stop: stops accepting, ends idle keep-alive connections, lets requests in flight finish
  // (their connections close after the response), and waits up to `grace` for all of that
  // (a goroutine parks, a thread waits). Calling it twice does nothing.
  void stop(std::chrono::milliseconds grace);

  // stats: the server's, its pool's, every pool's and the runtime's counters as one JSON
  // object (the /stats page). Throws std::bad_alloc.
  std::string stats() const;

  // write_metrics: the server's counters and gopool's (debug::write_prometheus) in the
  // Prometheus text format (the /metrics page). Throws what the stream throws.
  void write_metrics(std::ostream& out) const;

 private:
  void accept_loop();
  void serve(gopool::net::TcpStream stream);
  Response dispatch(const Request& request);
  void count(int status) noexcept;

  ServerOptions options_;
  gopool::Pool pool_;
  gopool::net::TcpListener listener_;
  gopool::net::Address address_;
  gopool::WaitGroup acceptor_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex conns_mu_;  // never held across a wait
  std::unordered_set<gopool::net::TcpStream*> conns_;

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> status_2xx_{0};
  std::atomic<std::uint64_t> status_4xx_{0};
  std::atomic<std::uint64_t> status_503_{0};
  std::atomic<std::uint64_t> status_5xx_other_{0};
  std::atomic<std::uint64_t> accept_errors_{0};
};

}  // namespace http
