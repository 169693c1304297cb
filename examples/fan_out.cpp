// fan_out: a batch job fanned out over a pool with a TaskGroup, as Go programs do with errgroup:
// it checks N simulated URLs (each check sleeps a random latency, a few fail) on a named pool,
// at most --limit at once. By default the first failure cancels the rest of the batch: checks
// in flight are cut short (their sleep watches the group's context) and checks not started
// never start. With --on-failure continue, failures are counted and the batch goes on. A
// progress line is redrawn on stderr every 200 ms; a summary table ends the run.
//
//   fan_out [--urls N] [--limit N] [--capacity N] [--fail-every N] [--max-latency-ms N]
//           [--on-failure fatal|continue] [--timeout-ms N] [--seed N] [--help]
#include <gopool/context.hpp>
#include <gopool/pool.hpp>
#include <gopool/runtime.hpp>
#include <gopool/select.hpp>
#include <gopool/task_group.hpp>
#include <gopool/ticker.hpp>
#include <gopool/wait_group.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "command_line.hpp"

namespace {

struct Config {
  long urls = 10'000;
  int limit = 256;
  int capacity = 512;
  int fail_every = 2'500;  // every n-th URL fails; 0: none
  int max_latency_ms = 100;
  std::string on_failure = "fatal";
  int timeout_ms = 0;  // 0: no deadline for the whole batch
  long seed = 1;
};

std::optional<int> parse(int argc, char** argv, Config& c) {
  CommandLine cli(
      "fan_out",
      "fan_out: checks --urls simulated URLs through a gopool::TaskGroup on a named pool of\n"
      "--capacity workers, at most --limit checks at once. Each check sleeps a random latency\n"
      "up to --max-latency-ms (gopool::sleep_for(ctx, d), so a cancel cuts it short); every\n"
      "--fail-every-th URL fails. With --on-failure fatal the first failure cancels the rest;\n"
      "with continue the batch goes on. Prints progress on stderr and a summary at the end.");
  cli.option("--urls", c.urls, "how many URLs to check", 1, 100'000'000);
  cli.option("--limit", c.limit, "checks at once (the group's limit)", 1, 1'000'000);
  cli.option("--capacity", c.capacity, "workers of the pool", 1, 1'000'000);
  cli.option("--fail-every", c.fail_every, "every n-th URL fails (0: none)", 0, 1'000'000'000);
  cli.option("--max-latency-ms", c.max_latency_ms, "latency of a check, at most", 0, 60'000);
  cli.option("--on-failure", c.on_failure, "what a failure does to the batch",
             {"fatal", "continue"});
  cli.option("--timeout-ms", c.timeout_ms, "deadline for the whole batch (0: none)", 0, 86'400'000);
  cli.option("--seed", c.seed, "seed of the simulated latencies", 0, 1'000'000'000);
  cli.footer(
      "A limit below the capacity leaves workers to other users of the pool (and to tasks the\n"
      "checks might post there themselves). Exit status: 0 if the batch finished, 1 if a\n"
      "failure or the deadline stopped it.");
  return cli.parse(argc, argv);
}

// A simulated URL: a name, a latency and an HTTP status, all derived from its index.
struct Url {
  long index;
  std::string name() const {
    return "https://shop-" + std::to_string(index % 97) + ".test/item/" + std::to_string(index);
  }
};

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// check_category: a failed check's error; its value is the URL's index + 1, so the group's
// first error names the URL.
class CheckCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "fan_out.check"; }
  std::string message(int value) const override {
    return Url{value - 1}.name() + " answered HTTP 503 Service Unavailable";
  }
};
const std::error_category& check_category() {
  static const CheckCategory category{};
  return category;
}

struct Counts {
  std::atomic<long> done{0};         // checked, healthy
  std::atomic<long> failed{0};       // checked, unhealthy
  std::atomic<long> interrupted{0};  // cut short by the group's cancel
  std::atomic<long> in_flight{0};
};

// check: one URL. Sleeps its latency (unless the group is cancelled meanwhile), then reports.
std::error_code check(const gopool::Context& ctx, const Config& c, long i, Counts& n) {
  n.in_flight.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t r =
      mix(static_cast<std::uint64_t>(c.seed) * 1'000'003 + static_cast<std::uint64_t>(i));
  const auto latency = std::chrono::microseconds(
      c.max_latency_ms == 0
          ? 0
          : static_cast<long>(r % (static_cast<std::uint64_t>(c.max_latency_ms) * 1000)));
  const std::error_code cut = gopool::sleep_for(ctx, latency);
  n.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (cut) {
    n.interrupted.fetch_add(1, std::memory_order_relaxed);
    return cut;
  }
  if (c.fail_every > 0 && (i + 1) % c.fail_every == 0) {
    n.failed.fetch_add(1, std::memory_order_relaxed);
    if (c.on_failure == "fatal") {
      return {static_cast<int>(i + 1), check_category()};
    }
    return {};  // counted; the batch goes on
  }
  n.done.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void print_progress(const Config& c, const gopool::TaskGroup& g, const Counts& n, double seconds) {
  const gopool::TaskGroupStats s = g.stats();
  std::fprintf(stderr,
               "\r  %7.1fs  %9ld / %ld checked  %6ld failed  %5ld in flight  %8llu cancelled  ",
               seconds, n.done.load() + n.failed.load(), c.urls, n.failed.load(),
               n.in_flight.load(), static_cast<unsigned long long>(s.cancelled));
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (const std::optional<int> exit_code = parse(argc, argv, c)) {
    return *exit_code;
  }
  gopool::PoolOptions options;
  options.name = "url-checker";
  gopool::Pool pool(c.capacity, options);

  gopool::Context batch = gopool::with_cancel(gopool::background());
  if (c.timeout_ms > 0)
    batch = gopool::with_timeout(batch, std::chrono::milliseconds(c.timeout_ms));
  gopool::TaskGroup g(pool, batch);
  g.set_name("check-urls");
  g.set_limit(c.limit);

  std::printf(
      "fan_out: %ld URLs on pool \"%s\" (capacity %d), group \"%s\" limit %d, "
      "failures %s, %d Ps\n",
      c.urls, pool.name().c_str(), pool.cap(), g.name().c_str(), g.limit(), c.on_failure.c_str(),
      gopool::procs());
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  // The progress line: a goroutine woken by a ticker, until the batch is over.
  Counts n;
  gopool::Context progress_done = gopool::with_cancel(gopool::background());
  gopool::WaitGroup progress_exited;
  progress_exited.add(1);
  gopool::go([&] {
    gopool::Ticker tick(std::chrono::milliseconds(200));
    for (bool more = true; more;) {
      gopool::select(gopool::on_recv(tick.chan(), [&] { print_progress(c, g, n, elapsed()); }),
                     gopool::on_recv(progress_done.done(), [&] { more = false; }));
    }
    progress_exited.done();
  });

  // The producer is this thread: go() blocks it while `limit` checks run, and returns at once
  // (the check cancelled before start) once a failure has stopped the group.
  for (long i = 0; i < c.urls; ++i) {
    g.go([&c, &n, i](const gopool::Context& ctx) { return check(ctx, c, i, n); });
  }
  std::error_code first;
  try {
    first = g.wait();
  } catch (const std::exception& e) {  // the checks never throw; a real job's might
    std::fprintf(stderr, "a check threw: %s\n", e.what());
    return 2;
  }
  const double seconds = elapsed();
  progress_done.cancel();
  progress_exited.wait();
  print_progress(c, g, n, seconds);
  std::fprintf(stderr, "\n");

  const gopool::TaskGroupStats s = g.stats();
  const long never_started = static_cast<long>(s.cancelled + s.refused);
  std::printf("\n%-28s %12s\n%.41s\n", "summary", "", "-----------------------------------------");
  std::printf("%-28s %12ld\n", "URLs", c.urls);
  std::printf("%-28s %12ld\n", "done", n.done.load());
  std::printf("%-28s %12ld\n", "failed", n.failed.load());
  std::printf("%-28s %12ld\n", "cancelled while checking", n.interrupted.load());
  std::printf("%-28s %12ld\n", "cancelled before start", never_started);
  std::printf("%-28s %10.3f s\n", "wall time", seconds);
  std::printf("%-28s %12llu\n", "pool workers started",
              static_cast<unsigned long long>(pool.stats().workers_started));
  std::printf("%-28s %s\n", "first error", first ? first.message().c_str() : "none");
  return first ? 1 : 0;
}
