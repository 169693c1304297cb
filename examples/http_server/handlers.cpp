#include "handlers.hpp"

#include <charconv>
#include <chrono>
#include <string>

#include <gopool/runtime.hpp>

namespace http {
namespace {

// query_number: the value of `key` in a query string ("a=1&b=2") as an unsigned number no larger
// than max. Returns false (bad request) for a malformed or too large value; a missing key
// leaves out unchanged.
bool query_number(std::string_view query, std::string_view key, unsigned max, unsigned& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      if (eq == std::string_view::npos) return false;
      const std::string_view value = pair.substr(eq + 1);
      unsigned n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n > max) {
        return false;
      }
      out = n;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

bool is_known_method(std::string_view m) {
  for (const char* known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    if (m == known) return true;
  }
  return false;
}

// spin: keeps the thread busy for d without a switch point, as CPU-bound handler code would.
void spin(std::chrono::microseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

}  // namespace

Response handle(const Request& request) {
  const bool routed = request.path == "/" || request.path == "/work";
  if (!routed) return text_response(404, "404 page not found\n");
  if (request.method != "GET" && request.method != "HEAD") {
    if (!is_known_method(request.method)) return text_response(501, "method not implemented\n");
    Response r = text_response(405, "method not allowed\n");
    r.allow = "GET, HEAD";
    return r;
  }
  if (request.path == "/") return text_response(200, "Hello, World!\n");

  unsigned sleep_ms = 0;
  unsigned spin_us = 0;
  if (!query_number(request.query, "sleep_ms", kMaxSleepMs, sleep_ms) ||
      !query_number(request.query, "spin_us", kMaxSpinUs, spin_us)) {
    return text_response(400, "sleep_ms must be 0.." + std::to_string(kMaxSleepMs) +
                                  " and spin_us 0.." + std::to_string(kMaxSpinUs) + "\n");
  }
  // The goroutine parks (its pool slot stays taken, as a handler waiting on a database would).
  if (sleep_ms > 0) gopool::sleep_for(std::chrono::milliseconds(sleep_ms));
  if (spin_us > 0) spin(std::chrono::microseconds(spin_us));
  return text_response(200, "work done: slept " + std::to_string(sleep_ms) + " ms, spun " +
                                std::to_string(spin_us) + " us\n");
}

}  // namespace http
