#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "debug/backtrace.hpp"
#include "debug/dump_writer.hpp"
#include "debug/pools.hpp"
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
    if (info.label != nullptr) r.label = info.label;
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
  const bool is_caller = caller != nullptr && caller->goroutine_id == g.id;
  if (is_caller) out << " (calling goroutine)";
  out << ":\n";
  if (is_caller) write_frames(out, caller->backtrace);
  const char* function = g.created_at.function_name();
  const char* file = g.created_at.file_name();
  out << "created by " << (function != nullptr && *function != '\0' ? function : "?") << "\n\t"
      << (file != nullptr && *file != '\0' ? file : "?") << ':' << g.created_at.line() << ':'
      << g.created_at.column() << "\n\n";
}

}  // namespace

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

namespace {

// The caller's frames, starting at the public dump function that asked (frame 0).
[[gnu::noinline]] impl::Caller calling_frames() {
  impl::Caller c;
  c.goroutine_id = this_goroutine::id();
  // From the public function that called this one.
  c.backtrace = impl::capture_backtrace(__builtin_return_address(0));
  return c;
}

// JSON string literal of s (RFC 8259 escapes; bytes >= 0x80 pass through as they are).
void write_json_string(std::ostream& out, std::string_view s) {
  out << '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out << buf;
        } else {
          out << ch;
        }
    }
  }
  out << '"';
}

void write_json_frames(std::ostream& out, const std::vector<std::string>& frames) {
  out << '[';
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (i > 0) out << ", ";
    write_json_string(out, frames[i]);
  }
  out << ']';
}

void write_json_goroutine(std::ostream& out, const GoroutineRecord& g, const impl::Caller& caller) {
  out << "{\"id\": " << g.id << ", \"state\": ";
  write_json_string(out, to_string(g.state));
  out << ", \"wait_reason\": ";
  if (g.state == GoroutineState::waiting) {
    write_json_string(out, to_string(g.wait_reason));
  } else {
    out << "null";
  }
  out << ", \"waiting_ns\": " << (g.state == GoroutineState::waiting ? g.waiting.count() : 0)
      << ", \"label\": ";
  if (g.label.empty()) {
    out << "null";
  } else {
    write_json_string(out, g.label);
  }
  out << ", \"created_at\": {\"file\": ";
  write_json_string(out, g.created_at.file_name() != nullptr ? g.created_at.file_name() : "");
  out << ", \"line\": " << g.created_at.line() << ", \"column\": " << g.created_at.column()
      << ", \"function\": ";
  write_json_string(out,
                    g.created_at.function_name() != nullptr ? g.created_at.function_name() : "");
  out << '}';
  if (caller.goroutine_id != 0 && caller.goroutine_id == g.id) {
    out << ", \"backtrace\": ";
    write_json_frames(out, caller.backtrace);
  }
  out << '}';
}

}  // namespace

void dump(std::ostream& out) {
  const impl::Caller caller = calling_frames();
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
  const impl::Caller caller = calling_frames();
  std::ostringstream text;
  impl::write_text(text, goroutines(), &caller);
  return std::move(text).str();
}

void dump_json(std::ostream& out) {
  const impl::Caller caller = calling_frames();
  const std::vector<GoroutineRecord> all = goroutines();

  // Containers: "runtime" first, then each label in order of its first (lowest-id) goroutine.
  std::vector<std::string> labels;
  for (const GoroutineRecord& g : all) {
    if (!g.label.empty() && std::find(labels.begin(), labels.end(), g.label) == labels.end())
      labels.push_back(g.label);
  }
  std::set<std::string> pool_names;
  for (PoolCounters& p : impl::live_pools())
    pool_names.insert(std::move(p.name));

  std::ostringstream json;
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  json << "{\"goroutine_dump\": {\"process_id\": " << ::getpid() << ", \"time_ns\": " << now.count()
       << ", \"goroutine_count\": " << all.size();
  if (caller.goroutine_id == 0) {
    json << ", \"calling_thread\": {\"backtrace\": ";
    write_json_frames(json, caller.backtrace);
    json << '}';
  }
  json << ", \"containers\": [";
  auto write_container = [&](const std::string& name, const char* kind, bool first) {
    if (!first) json << ", ";
    json << "{\"container\": ";
    write_json_string(json, name);
    json << ", \"kind\": ";
    write_json_string(json, kind);
    std::string_view label;  // the runtime's container holds the unlabelled goroutines
    if (std::string_view(kind) != "runtime") label = name;
    std::size_t count = 0;
    for (const GoroutineRecord& g : all)
      count += g.label == label ? 1 : 0;
    json << ", \"goroutine_count\": " << count << ", \"goroutines\": [";
    bool first_g = true;
    for (const GoroutineRecord& g : all) {
      if (g.label != label) continue;
      if (!first_g) json << ", ";
      first_g = false;
      write_json_goroutine(json, g, caller);
    }
    json << "]}";
  };
  write_container("runtime", "runtime", true);
  for (const std::string& label : labels)
    write_container(label, pool_names.count(label) != 0 ? "pool" : "label", false);
  json << "]}}\n";
  out << json.str();
  out.flush();
}

}  // namespace gopool::debug
