// compare_boost_context: boost.context's side of the raw-switch point of the comparison program
// (benchmarks/compare/compare.py): two contexts jumping to each other with jump_fcontext, the
// floor boost.fiber is built on. Each iteration is two switches, as in gopool's BM_RawSwitch.
#include <boost/context/detail/fcontext.hpp>

#include <vector>

#include "point.hpp"

namespace {

namespace ctx = boost::context::detail;

// The other context: jumps straight back to whoever jumped to it, forever.
[[noreturn]] void bounce(ctx::transfer_t t) {
  for (;;) {
    t = ctx::jump_fcontext(t.fctx, nullptr);
  }
}

compare::Figure raw_switch(long n) {
  static std::vector<char> stack(64 * 1024);
  ctx::fcontext_t other = ctx::make_fcontext(stack.data() + stack.size(), stack.size(), &bounce);
  const compare::Stopwatch t;
  for (long i = 0; i < n; ++i) {
    other = ctx::jump_fcontext(other, nullptr).fctx;
  }
  return compare::per_item_ns(t.seconds(), 2.0 * static_cast<double>(n));
}

}  // namespace

int main(int argc, char** argv) {
  const auto a = compare::parse_args(argc, argv, "raw_switch");
  if (a.workload == "raw_switch") return compare::run_point("boost.context", a, raw_switch);
  compare::unknown_workload(a, "boost.context");
}
