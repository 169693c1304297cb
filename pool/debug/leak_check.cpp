#include "gopool/leak_check.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "gopool/runtime.hpp"

namespace gopool::testing {

namespace {

std::string leak_message(const std::vector<debug::GoroutineRecord>& leaked) {
  std::ostringstream out;
  out << "gopool::testing::LeakCheck: " << leaked.size()
      << (leaked.size() == 1 ? " goroutine" : " goroutines")
      << " created in the checked scope still alive:\n";
  debug::dump(out, leaked);
  return std::move(out).str();
}

bool contains(const char* text, const std::string& part) {
  return text != nullptr && std::string_view(text).find(part) != std::string_view::npos;
}

}  // namespace

LeakError::LeakError(std::vector<debug::GoroutineRecord> leaked)
    : std::runtime_error(leak_message(leaked)), leaked_(std::move(leaked)) {}

LeakCheck::LeakCheck(LeakCheckOptions options)
    : options_(std::move(options)), uncaught_at_start_(std::uncaught_exceptions()) {
  if (options_.grace < std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("gopool::testing::LeakCheck: negative grace period");
  }
  for (const debug::GoroutineRecord& g : debug::goroutines())
    before_.push_back(g.id);  // already sorted by id
}

LeakCheck::~LeakCheck() noexcept(false) {
  if (checked_) return;
  if (std::uncaught_exceptions() > uncaught_at_start_) {
    // Unwinding already: a second exception would terminate; report instead.
    const std::vector<debug::GoroutineRecord> leaked = survivors();
    if (!leaked.empty()) std::fputs(leak_message(leaked).c_str(), stderr);
    return;
  }
  check();
}

bool LeakCheck::counts(const debug::GoroutineRecord& g) const {
  if (std::binary_search(before_.begin(), before_.end(), g.id)) return false;
  if (g.state == debug::GoroutineState::waiting &&
      std::find(options_.ignore_wait_reasons.begin(), options_.ignore_wait_reasons.end(),
                g.wait_reason) != options_.ignore_wait_reasons.end()) {
    return false;
  }
  if (!g.label.empty() && std::find(options_.ignore_labels.begin(), options_.ignore_labels.end(),
                                    g.label) != options_.ignore_labels.end()) {
    return false;
  }
  for (const std::string& part : options_.ignore_created_in) {
    if (contains(g.created_at.function_name(), part) || contains(g.created_at.file_name(), part))
      return false;
  }
  return true;
}

std::vector<debug::GoroutineRecord> LeakCheck::survivors() {
  checked_ = true;
  const auto deadline = Clock::now() + options_.grace;
  for (;;) {
    std::vector<debug::GoroutineRecord> alive = debug::goroutines();
    std::erase_if(alive, [this](const debug::GoroutineRecord& g) { return !counts(g); });
    if (alive.empty() || Clock::now() >= deadline) return alive;
    sleep_for(std::chrono::milliseconds(1));  // a goroutine parks, a thread sleeps
  }
}

void LeakCheck::check() {
  std::vector<debug::GoroutineRecord> leaked = survivors();
  if (!leaked.empty()) throw LeakError(std::move(leaked));
}

}  // namespace gopool::testing
