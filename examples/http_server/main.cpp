// http_server: a small HTTP/1.1 server whose request handlers run in a gopool::Pool of bounded
// capacity. When every slot is taken a request is answered 503 at once (try_post hands the
// handler back), so load beyond capacity costs a refusal, not a queue. Try:
//
//   http_server --port 8080 --capacity 100
//   curl 'http://127.0.0.1:8080/work?sleep_ms=20'   # parks 20 ms in the pool
//   curl 'http://127.0.0.1:8080/work?spin_us=50'    # burns 50 us of CPU in the pool
//   curl  http://127.0.0.1:8080/stats               # pool, runtime and server counters (JSON)
//   curl  http://127.0.0.1:8080/metrics             # the same for Prometheus
//
// SIGINT or SIGTERM stops it gracefully (requests in flight finish).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include <gopool/runtime.hpp>

#include "command_line.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  http::ServerOptions options;
  int procs = 0;
  CommandLine cli("http_server",
                  "http_server: a small HTTP/1.1 server whose handlers run in a gopool::Pool of "
                  "bounded\ncapacity; requests beyond it are answered 503 at once.");
  cli.option("--host", options.host, "address to listen on ('::1' for IPv6)");
  cli.option("--port", options.port, "port, 0 = any free one", 0, 65535);
  cli.option("--capacity", options.capacity, "handlers running at once; more get 503", 1,
             10'000'000);
  cli.option("--procs", procs, "gopool Ps (like GOMAXPROCS); 0 = the number of CPUs", 0, 1024);
  cli.footer("Routes: /  /work?sleep_ms=N&spin_us=M  /stats (JSON)  /metrics (Prometheus)");
  if (const std::optional<int> exit_code = cli.parse(argc, argv)) return *exit_code;

  // Signals go to this thread only (sigwait below): block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  gopool::RuntimeOptions runtime;
  runtime.procs = procs;
  if (auto ec = gopool::configure(runtime)) {
    std::fprintf(stderr, "http_server: %s\n", ec.message().c_str());
    return 2;
  }

  http::Server server(options);
  if (auto ec = server.start()) {
    std::fprintf(stderr, "http_server: cannot listen on %s port %d: %s\n", options.host.c_str(),
                 options.port, ec.message().c_str());
    return 1;
  }
  std::printf("http_server: listening on %s (capacity %d, procs %d)\n",
              server.address().to_string().c_str(), options.capacity, gopool::procs());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::printf("http_server: %s, stopping\n", strsignal(signal));
  std::fflush(stdout);
  server.stop(std::chrono::seconds(5));
  return 0;
}
