// echo_bench: TCP echo ping-pong over loopback with gopool::net, the counterpart of
// benchmarks/go/echo: --conns client goroutines each write a --size byte message and wait for
// its echo, again and again, for --duration-ms; the server runs one goroutine per connection
// that writes back what it reads. Client and server share the process, as in the Go program.
// Prints the messages per second of each run and their median (benchmarks/echo_compare.sh runs
// both side by side).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

#include <gopool/net.hpp>
#include <gopool/runtime.hpp>
#include <gopool/wait_group.hpp>

namespace {

namespace net = gopool::net;

struct Options {
  int conns = 100;
  int size = 64;
  int duration_ms = 5000;
  int reps = 3;
  int procs = 0;
};

// serve: echoes every byte a connection sends until it closes.
void serve(net::TcpStream c) {
  char buf[4096];
  while (auto r = c.read(buf, sizeof buf)) {
    if (!c.write_all(buf, r.bytes)) break;
  }
}

// run: connects the clients, lets them ping-pong for the duration; messages per second, or -1.
double run(const net::Address& where, const Options& o) {
  std::vector<net::TcpStream> clients;
  for (int i = 0; i < o.conns; ++i) {
    auto c = net::TcpStream::connect(where);
    if (!c) {
      std::fprintf(stderr, "echo_bench: connect: %s\n", c.error().message().c_str());
      return -1;
    }
    clients.push_back(std::move(*c));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> total{0};
  gopool::WaitGroup wg;
  wg.add(o.conns);
  const auto start = std::chrono::steady_clock::now();
  for (auto& c : clients) {
    gopool::go([&, c = &c] {
      std::vector<char> msg(static_cast<std::size_t>(o.size), 'm');
      std::vector<char> back(msg.size());
      std::int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!c->write_all(msg.data(), msg.size())) break;
        if (!c->read_full(back.data(), back.size())) break;
        ++n;
      }
      total.fetch_add(n);
      wg.done();
    });
  }
  gopool::sleep_for(std::chrono::milliseconds(o.duration_ms));
  stop = true;
  wg.wait();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(total.load()) / elapsed.count();
}

bool parse_int(const char* text, int min, int& out) {
  const std::string_view s(text);
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool more = i + 1 < argc;
    bool ok = more;
    if (a == "--help") {
      std::puts(
          "usage: echo_bench [--conns 100] [--size 64] [--duration-ms 5000] [--reps 3] "
          "[--procs 0]");
      return 0;
    } else if (a == "--conns" && more) {
      ok = parse_int(argv[++i], 1, o.conns);
    } else if (a == "--size" && more) {
      ok = parse_int(argv[++i], 1, o.size);
    } else if (a == "--duration-ms" && more) {
      ok = parse_int(argv[++i], 1, o.duration_ms);
    } else if (a == "--reps" && more) {
      ok = parse_int(argv[++i], 1, o.reps);
    } else if (a == "--procs" && more) {
      ok = parse_int(argv[++i], 0, o.procs);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "echo_bench: bad argument '%s' (see --help)\n", argv[i]);
      return 2;
    }
  }
  gopool::RuntimeOptions ro;
  ro.procs = o.procs;
  if (auto ec = gopool::configure(ro)) {
    std::fprintf(stderr, "echo_bench: %s\n", ec.message().c_str());
    return 2;
  }
  auto listener = net::TcpListener::listen("127.0.0.1:0");
  if (!listener) {
    std::fprintf(stderr, "echo_bench: listen: %s\n", listener.error().message().c_str());
    return 1;
  }
  const net::Address where = listener->local_address().value();
  gopool::WaitGroup acceptor;
  acceptor.add(1);
  gopool::go([&] {
    while (auto c = listener->accept()) {
      gopool::go([c = std::move(*c)]() mutable { serve(std::move(c)); });
    }
    acceptor.done();
  });
  std::vector<double> results;
  int status = 0;
  gopool::WaitGroup done;
  done.add(1);
  gopool::go([&] {  // the runs start from a goroutine, as the Go program's main goroutine
    for (int i = 0; i < o.reps; ++i) {
      const double r = run(where, o);
      if (r < 0) {
        status = 1;
        break;
      }
      std::printf("gopool echo run %d: %.0f msgs/s\n", i + 1, r);
      std::fflush(stdout);
      results.push_back(r);
    }
    done.done();
  });
  done.wait();
  (void)listener->close();
  acceptor.wait();
  if (status != 0) return status;
  std::sort(results.begin(), results.end());
  std::printf("gopool echo: conns=%d size=%d procs=%d median msgs_per_sec=%.0f\n", o.conns, o.size,
              gopool::procs(), results[results.size() / 2]);
  return 0;
}
