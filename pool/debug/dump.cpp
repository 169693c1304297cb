#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>

#include "debug/backtrace.hpp"
#include "debug/dump_writer.hpp"
#include "gopool/debug.hpp"
#include "gopool/runtime.hpp"

namespace gopool::debug {

const char* to_string(GoroutineState state) noexcept {
  switch (state) {
    case GoroutineState::runnable:
      return "runnable";
    case GoroutineState::running:
      return "running";
    case GoroutineState::waiting:
      return "waiting";
  }
  return "unknown";
}

std::vector<GoroutineRecord> goroutines() {
  const std::vector<gopool::detail::GoroutineInfo> infos = gopool::detail::goroutine_snapshot();
  const std::uint64_t self = this_goroutine::id();
  std::vector<GoroutineRecord> out;
  out.reserve(infos.size());
  for (const gopool::detail::GoroutineInfo& info : infos) {
    GoroutineRecord r;
    r.id = info.id;
    r.state = info.state;
    r.wait_reason = info.state == GoroutineState::waiting ? info.wait_reason : WaitReason::none;
    r.waiting = std::chrono::nanoseconds(info.waiting_ns);
    r.created_at = info.created_at;
    r.label = info.label;
    r.group = info.group;
    r.is_caller = self != 0 && info.id == self;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const GoroutineRecord& a, const GoroutineRecord& b) { return a.id < b.id; });
  return out;
}

namespace impl {

std::string format_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  char buf[48];
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms < 1) return "<1ms";
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  }
  return buf;
}

namespace {

void write_frames(std::ostream& out, const std::vector<std::string>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i)
    out << "#" << i << (i < 10 ? "  " : " ") << frames[i] << '\n';
}

void write_entry(std::ostream& out, const GoroutineRecord& g, const Caller* caller) {
  out << "goroutine " << g.id << " [";
  if (g.state == GoroutineState::waiting) {
    out << to_string(g.wait_reason) << ", " << format_duration(g.waiting);
  } else {
    out << to_string(g.state);
  }
  out << "]";
  if (!g.label.empty()) out << " in \"" << g.label << "\"";
  if (!g.group.empty()) out << " group \"" << g.group << "\"";
  const bool is_caller = caller != nullptr && caller->goroutine_id == g.id;
  if (is_caller) out << " (calling goroutine)";
  out << ":\n";
  if (is_caller) write_frames(out, caller->backtrace);
  const char* function = g.created_at.function_name();
  const char* file = g.created_at.file_name();
  // A pool's worker shows the post site of its task; an idle one, of the task it ran last.
  const bool worker = !g.label.empty() && g.state == GoroutineState::waiting &&
                      g.wait_reason == WaitReason::pool_idle;
  out << (worker ? "last task posted by " : "created by ")
      << (function != nullptr && *function != '\0' ? function : "?") << "\n\t"
      << (file != nullptr && *file != '\0' ? file : "?") << ':' << g.created_at.line() << ':'
      << g.created_at.column() << "\n\n";
}

}  // namespace

[[gnu::noinline]] Caller calling_frames() {
  Caller c;
  c.goroutine_id = this_goroutine::id();
  c.backtrace = capture_backtrace(__builtin_return_address(0));  // from the public function
  return c;
}

void write_text(std::ostream& out, const std::vector<GoroutineRecord>& goroutines,
                const Caller* caller) {
  out << "gopool: " << goroutines.size() << (goroutines.size() == 1 ? " goroutine" : " goroutines")
      << " (pid " << ::getpid() << ")\n\n";
  if (caller != nullptr && caller->goroutine_id == 0) {
    out << "calling thread (not a goroutine):\n";
    write_frames(out, caller->backtrace);
    out << '\n';
  }
  for (const GoroutineRecord& g : goroutines)
    write_entry(out, g, caller);
}

}  // namespace impl

void dump(std::ostream& out) {
  const impl::Caller caller = impl::calling_frames();
  const std::vector<GoroutineRecord> all = goroutines();
  std::ostringstream text;  // one write, so concurrent output does not interleave within it
  impl::write_text(text, all, &caller);
  out << text.str();
  out.flush();
}

void dump(std::ostream& out, const std::vector<GoroutineRecord>& goroutines) {
  std::ostringstream text;
  impl::write_text(text, goroutines, nullptr);
  out << text.str();
}

std::string dump_string() {
  const impl::Caller caller = impl::calling_frames();
  std::ostringstream text;
  impl::write_text(text, goroutines(), &caller);
  return std::move(text).str();
}

}  // namespace gopool::debug
