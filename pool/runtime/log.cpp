#include "runtime/log.hpp"

#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace gopool::detail {

spdlog::logger& runtime_log() {
  // Leaked on purpose: the registry's own reference dies with the static destructors.
  static auto* keep = new std::shared_ptr<spdlog::logger>([] {
    if (auto existing = spdlog::get("gopool")) return existing;
    try {
      return spdlog::stderr_color_mt("gopool");
    } catch (const spdlog::spdlog_ex&) {
      return spdlog::get("gopool");  // created by another thread meanwhile
    }
  }());
  return **keep;
}

}  // namespace gopool::detail
