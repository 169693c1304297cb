#include "debug/backtrace.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace gopool::debug::impl {

namespace {

// demangle: the readable name of a C++ symbol, or the symbol itself if it is not mangled.
std::string demangle(const char* symbol) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(symbol, nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(symbol);
}

std::string describe(void* address) {
  const auto pc = reinterpret_cast<std::uintptr_t>(address);
  char offset[32];
  Dl_info info{};
  if (dladdr(address, &info) == 0) {
    std::snprintf(offset, sizeof offset, "0x%jx", static_cast<std::uintmax_t>(pc));
    return offset;
  }
  const std::string module = info.dli_fname != nullptr ? info.dli_fname : "?";
  if (info.dli_sname != nullptr && info.dli_saddr != nullptr) {
    std::snprintf(
        offset, sizeof offset, "+0x%jx",
        static_cast<std::uintmax_t>(pc - reinterpret_cast<std::uintptr_t>(info.dli_saddr)));
    return demangle(info.dli_sname) + offset + " (" + module + ")";
  }
  char where[32];
  std::snprintf(where, sizeof where, "0x%jx", static_cast<std::uintmax_t>(pc));
  std::snprintf(offset, sizeof offset, "+0x%jx",
                static_cast<std::uintmax_t>(pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase)));
  return std::string(where) + " (" + module + offset + ")";
}

}  // namespace

[[gnu::noinline]] std::vector<std::string> capture_backtrace(const void* first) {
  constexpr int kMaxFrames = 64;
  void* frames[kMaxFrames];
  const int n = ::backtrace(frames, kMaxFrames);
  // Counting frames to skip is fragile (sanitizers add their own); look for `first` instead.
  int start = 1;  // frame 0 is this function
  for (int i = 0; i < n; ++i) {
    if (frames[i] == first) {
      start = i;
      break;
    }
  }
  std::vector<std::string> out;
  for (int i = start; i < n; ++i)
    out.push_back(describe(frames[i]));
  return out;
}

}  // namespace gopool::debug::impl
