// http_server: a small HTTP/1.1 server whose request handlers run in a gopool::Pool of bounded
// capacity. When every slot is taken a request is answered 503 at once (the pool's on_reject),
// so load beyond capacity costs a refusal, not a queue. Try:
//
//   http_server --port 8080 --capacity 100
//   curl 'http://127.0.0.1:8080/work?sleep_ms=20'   # parks 20 ms in the pool
//   curl 'http://127.0.0.1:8080/work?spin_us=50'    # burns 50 us of CPU in the pool
//   curl  http://127.0.0.1:8080/stats               # pool, runtime and server counters
//
// SIGINT or SIGTERM stops it gracefully (requests in flight finish).
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <gopool/runtime.hpp>

#include "server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: http_server [--host IP] [--port N] [--capacity N] [--procs N] [--help]\n"
    "  --host IP       address to listen on (default 127.0.0.1; '::1' for IPv6)\n"
    "  --port N        port, 0 = any free one (default 8080)\n"
    "  --capacity N    handlers running at once; more requests get 503 (default 1000)\n"
    "  --procs N       gopool Ps (like GOMAXPROCS; default: the number of CPUs)\n"
    "  --help          this text\n"
    "Routes: /  /work?sleep_ms=N&spin_us=M  /stats\n";

bool parse_int(const char* text, int min, int max, int& out) {
  const std::string_view s(text);
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max) {
    return false;
  }
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  http::ServerOptions options;
  int procs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    const bool has_value = i + 1 < argc;
    bool ok = has_value;
    if (arg == "--host" && has_value) {
      options.host = argv[++i];
    } else if (arg == "--port" && has_value) {
      ok = parse_int(argv[++i], 0, 65535, options.port);
    } else if (arg == "--capacity" && has_value) {
      ok = parse_int(argv[++i], 1, 10'000'000, options.capacity);
    } else if (arg == "--procs" && has_value) {
      ok = parse_int(argv[++i], 0, 1024, procs);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "http_server: bad argument '%s'%s\n%s", argv[i],
                   has_value ? "" : " (missing value?)", kUsage);
      return 2;
    }
  }

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
