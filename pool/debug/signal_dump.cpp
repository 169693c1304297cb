// SIGQUIT -> goroutine dump on stderr, done the async-signal-safe way: the handler only writes
// a byte to a pipe; a dedicated OS thread (outside the runtime, so it works even when every P
// is busy) reads it, takes the snapshot and writes the dump.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "debug/dump_writer.hpp"
#include "gopool/debug.hpp"

namespace gopool::debug {

namespace {

std::mutex g_install_mu;         // serializes install_signal_dump()
bool g_installed = false;        // under g_install_mu
std::atomic<int> g_wake_fd{-1};  // the pipe's write end, for the handler
std::atomic<std::uint64_t> g_dumps{0};

void write_all(int fd, std::string_view text) noexcept {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // stderr is gone: nothing better to do
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

extern "C" void on_sigquit(int /*signal*/) {
  const int saved_errno = errno;
  const char byte = 'q';
  // Async-signal-safe: one write to a non-blocking pipe. A full pipe means a dump is pending.
  [[maybe_unused]] const ssize_t n = ::write(g_wake_fd.load(std::memory_order_relaxed), &byte, 1);
  errno = saved_errno;
}

void dumper_main(int read_fd) noexcept {
  pthread_setname_np(pthread_self(), "gopool-sigquit");
  for (;;) {
    char buf[64];
    const ssize_t n = ::read(read_fd, buf, sizeof buf);  // several signals: one dump
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    try {
      std::ostringstream text;
      text << "SIGQUIT: goroutine dump (the process carries on)\n";
      impl::write_text(text, goroutines(), nullptr);
      write_stats(text, stats());
      text << '\n';
      write_all(STDERR_FILENO, text.str());
    } catch (const std::exception& e) {
      write_all(STDERR_FILENO, "gopool: SIGQUIT dump failed: ");
      write_all(STDERR_FILENO, e.what());
      write_all(STDERR_FILENO, "\n");
    }
    g_dumps.fetch_add(1, std::memory_order_release);
  }
  ::close(read_fd);
}

}  // namespace

void install_signal_dump() {
  std::lock_guard lock(g_install_mu);
  if (g_installed) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "gopool: signal dump pipe");
  }
  // The handler must never block: a full pipe drops the byte (a dump is pending anyway).
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);

  // The dumper thread starts with every signal blocked, so SIGQUIT is never handled on it.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    std::thread(dumper_main, fds[0]).detach();
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  g_wake_fd.store(fds[1], std::memory_order_relaxed);
  struct sigaction action {};
  action.sa_handler = &on_sigquit;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGQUIT, &action, nullptr) != 0) {
    const int error = errno;
    g_wake_fd.store(-1, std::memory_order_relaxed);
    ::close(fds[1]);  // the dumper sees end-of-file and exits
    throw std::system_error(error, std::generic_category(), "gopool: sigaction(SIGQUIT)");
  }
  g_installed = true;
}

std::uint64_t signal_dumps_written() noexcept {
  return g_dumps.load(std::memory_order_acquire);
}

}  // namespace gopool::debug

namespace gopool::detail {

bool install_signal_dump_from_env() noexcept {
  const char* value = std::getenv("GOPOOL_TRACEBACK");
  if (value == nullptr || *value == '\0' || std::strcmp(value, "0") == 0) return false;
  try {
    debug::install_signal_dump();
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gopool: GOPOOL_TRACEBACK: cannot install the SIGQUIT dump: %s\n",
                 e.what());
    return false;
  }
}

}  // namespace gopool::detail
