// The doctest main shared by every test executable; it first runs a death scenario when the
// process was started as one (see death.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/death.hpp"

int main(int argc, char** argv) {
  if (gopool::test::dispatch_death_scenario(argc, argv)) {
    return 0;  // the scenario was expected to end the process; returning means it did not
  }
  doctest::Context context(argc, argv);
  return context.run();
}
