#include "runtime/fatal.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

#include <cxxabi.h>

#include "runtime/g.hpp"
#include "runtime/scheduler.hpp"

namespace gopool::detail {
namespace {

void print_goroutine(const G* g) {
  if (g == nullptr) {
    std::fprintf(stderr, "(not in a goroutine)\n");
    return;
  }
  // A labelled goroutine is a pool's worker (the label is the pool's name), and its site is
  // the post() that gave it the task it runs.
  const std::source_location where = g->where.load(std::memory_order_relaxed);
  const char* label = g->label.load(std::memory_order_relaxed);
  const char* group = g->group.load(std::memory_order_relaxed);  // a task group's task
  std::fprintf(stderr, "goroutine %llu%s%s%s%s%s%s, %s %s:%u in %s\n",
               static_cast<unsigned long long>(g->id.load(std::memory_order_relaxed)),
               label != nullptr ? " [" : "", label != nullptr ? label : "",
               label != nullptr ? "]" : "", group != nullptr ? " (group " : "",
               group != nullptr ? group : "", group != nullptr ? ")" : "",
               label != nullptr ? "running a task posted at" : "created at", where.file_name(),
               where.line(), where.function_name());
}

}  // namespace

void fatal(const char* message, const G* g) noexcept {
  if (g == nullptr) g = current_g();
  std::fprintf(stderr, "gopool: fatal error: %s\n", message);
  print_goroutine(g);
  std::fflush(stderr);
  std::abort();
}

void fatal_escaped_exception(const G* g) noexcept {
  std::fprintf(stderr, "gopool: fatal error: an exception escaped a goroutine\n");
  print_goroutine(g);
  try {
    throw;
  } catch (const std::exception& e) {
    int status = 0;
    char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
    std::fprintf(stderr, "exception: %s: %s\n", status == 0 && name ? name : typeid(e).name(),
                 e.what());
    std::free(name);
  } catch (...) {
    std::fprintf(stderr, "exception: (not derived from std::exception)\n");
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace gopool::detail
