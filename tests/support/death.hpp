// Death tests: a scenario that must end the process runs in a fresh copy of the test binary
// (fork + exec of /proc/self/exe), so the parent's runtime and threads are never forked.
#pragma once

#include <functional>
#include <string>

namespace gopool::test {

// Result of running a scenario in a child process.
struct DeathResult {
  bool exited = false;    // ended through exit/_exit
  int exit_code = 0;      // when exited
  bool signaled = false;  // ended by a signal
  int signal = 0;         // when signaled
  std::string output;     // what the child wrote to stdout and stderr

  bool died() const { return (exited && exit_code != 0) || signaled; }
};

// Registers a scenario under a name; used through GOPOOL_DEATH_SCENARIO.
bool register_death_scenario(const char* name, std::function<void()> body);

// Runs the named scenario in a child process and collects how it ended.
DeathResult run_death_scenario(const std::string& name);

// Called by the test main: runs a scenario if argv asks for one. Returns true if it did.
bool dispatch_death_scenario(int argc, char** argv);

}  // namespace gopool::test

#define GOPOOL_DEATH_CAT2(a, b) a##b
#define GOPOOL_DEATH_CAT(a, b) GOPOOL_DEATH_CAT2(a, b)
// GOPOOL_DEATH_SCENARIO(name) { body }: a scenario that should end the process.
#define GOPOOL_DEATH_SCENARIO(name)                                                           \
  static void GOPOOL_DEATH_CAT(gopool_death_, name)();                                        \
  [[maybe_unused]] static const bool GOPOOL_DEATH_CAT(gopool_death_reg_, name) =              \
      ::gopool::test::register_death_scenario(#name, &GOPOOL_DEATH_CAT(gopool_death_, name)); \
  static void GOPOOL_DEATH_CAT(gopool_death_, name)()
