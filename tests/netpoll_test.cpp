// The netpoller seam: goroutines park on fds, hold no thread, and wake on readiness, deadline,
// close or interrupt; foreign threads can wait too.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include <gopool/detail/netpoll.hpp>
#include <gopool/runtime.hpp>
#include <gopool/runtime_stats.hpp>
#include <gopool/wait_group.hpp>

#include "support/wait_until.hpp"

using namespace std::chrono_literals;
using gopool::detail::PollResult;

namespace {

constexpr auto kNever = std::chrono::steady_clock::time_point::max();

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() {
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) == 0);
  }
  ~SocketPair() {
    close(fd[0]);
    close(fd[1]);
  }
};

// Reads one byte from a non-blocking fd, waiting through the poller when it would block.
bool read_byte(int fd, gopool::detail::PollDesc* pd, char* out) {
  for (;;) {
    const ssize_t n = read(fd, out, 1);
    if (n == 1) return true;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
    if (gopool::detail::netpoll_wait(pd, false, kNever) != PollResult::ready) return false;
  }
}

}  // namespace

TEST_CASE("a goroutine parks on a socket and wakes when data arrives") {
  SocketPair sp;
  auto* pd = gopool::detail::netpoll_open(sp.fd[0]);
  REQUIRE(pd != nullptr);
  char got = 0;
  bool ok = false;
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    ok = read_byte(sp.fd[0], pd, &got);
    wg.done();
  });
  CHECK(gopool::test::wait_until([] { return gopool::detail::netpoll_waiters() == 1; }));
  REQUIRE(write(sp.fd[1], "x", 1) == 1);
  wg.wait();
  gopool::detail::netpoll_close(pd);
  CHECK(ok);
  CHECK(got == 'x');
}

TEST_CASE("1000 goroutines waiting on sockets hold no threads, and all wake") {
  constexpr int kCount = 1000;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<gopool::detail::PollDesc*> pds;
  for (int i = 0; i < kCount; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    pds.push_back(gopool::detail::netpoll_open(pairs.back()->fd[0]));
    REQUIRE(pds.back() != nullptr);
  }
  std::atomic<int> woke{0};
  gopool::WaitGroup wg;
  wg.add(kCount);
  for (int i = 0; i < kCount; ++i) {
    gopool::go([&, i] {
      char c = 0;
      if (read_byte(pairs[i]->fd[0], pds[i], &c) && c == 'a' + i % 26) woke.fetch_add(1);
      wg.done();
    });
  }
  CHECK(gopool::test::wait_until([] { return gopool::detail::netpoll_waiters() == kCount; }));
  const auto threads = gopool::runtime_stats().threads;
  CHECK(threads <= gopool::runtime_stats().procs + 4);
  for (int i = 0; i < kCount; ++i) {
    const char c = static_cast<char>('a' + i % 26);
    REQUIRE(write(pairs[i]->fd[1], &c, 1) == 1);
  }
  wg.wait();
  for (auto* pd : pds)
    gopool::detail::netpoll_close(pd);
  CHECK(woke.load() == kCount);
}

TEST_CASE("a wait with a deadline times out; close and interrupt wake waiters") {
  SocketPair sp;
  auto* pd = gopool::detail::netpoll_open(sp.fd[0]);
  REQUIRE(pd != nullptr);
  std::atomic<PollResult> timed{PollResult::ready};
  std::atomic<PollResult> interrupted{PollResult::ready};
  std::atomic<PollResult> closed{PollResult::ready};
  auto start = gopool::Clock::now();
  gopool::Clock::duration waited{};
  gopool::WaitGroup wg;
  wg.add(1);
  gopool::go([&] {
    timed = gopool::detail::netpoll_wait(pd, false, gopool::Clock::now() + 5ms);
    waited = gopool::Clock::now() - start;
    interrupted = gopool::detail::netpoll_wait(pd, false, kNever);
    closed = gopool::detail::netpoll_wait(pd, false, kNever);
    wg.done();
  });
  CHECK(gopool::test::wait_until([&] { return timed == PollResult::timeout; }));
  CHECK(gopool::test::wait_until([] { return gopool::detail::netpoll_waiters() == 1; }));
  gopool::detail::netpoll_interrupt(pd, true, false);
  CHECK(gopool::test::wait_until([&] { return interrupted == PollResult::interrupted; }));
  CHECK(gopool::test::wait_until([] { return gopool::detail::netpoll_waiters() == 1; }));
  gopool::detail::netpoll_close(pd);
  wg.wait();
  CHECK(waited >= 5ms);
  CHECK(closed.load() == PollResult::closed);
}

TEST_CASE("a foreign thread waits on the poller too") {
  SocketPair sp;
  auto* pd = gopool::detail::netpoll_open(sp.fd[0]);
  REQUIRE(pd != nullptr);
  gopool::go([&] {
    gopool::sleep_for(2ms);
    (void)!write(sp.fd[1], "y", 1);
  });
  char got = 0;
  CHECK(read_byte(sp.fd[0], pd, &got));
  CHECK(got == 'y');
  CHECK(gopool::detail::netpoll_wait(pd, true, kNever) == PollResult::ready);  // writable
  gopool::detail::netpoll_close(pd);
}

TEST_CASE("ping-pong over a socket pair between two goroutines") {
  SocketPair sp;
  auto* a = gopool::detail::netpoll_open(sp.fd[0]);
  auto* b = gopool::detail::netpoll_open(sp.fd[1]);
  constexpr int kRounds = 5000;
  std::atomic<int> rounds{0};
  gopool::WaitGroup wg;
  wg.add(2);
  gopool::go([&] {
    char c = 0;
    for (int i = 0; i < kRounds; ++i) {
      if (write(sp.fd[0], "p", 1) != 1 || !read_byte(sp.fd[0], a, &c)) break;
      rounds.fetch_add(1);
    }
    wg.done();
  });
  gopool::go([&] {
    char c = 0;
    for (int i = 0; i < kRounds; ++i) {
      if (!read_byte(sp.fd[1], b, &c) || write(sp.fd[1], "q", 1) != 1) break;
    }
    wg.done();
  });
  wg.wait();
  gopool::detail::netpoll_close(a);
  gopool::detail::netpoll_close(b);
  CHECK(rounds.load() == kRounds);
}

TEST_CASE("netpoll_open rejects what epoll cannot watch, and changes nothing") {
  errno = 0;
  CHECK(gopool::detail::netpoll_open(-1) == nullptr);
  CHECK(errno == EBADF);
  CHECK(gopool::detail::netpoll_waiters() == 0);
}
