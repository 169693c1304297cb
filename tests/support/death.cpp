#include "support/death.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

namespace gopool::test {
namespace {

std::map<std::string, std::function<void()>>& scenarios() {
  static std::map<std::string, std::function<void()>> all;
  return all;
}

constexpr const char* kFlag = "--gopool-death=";

}  // namespace

bool register_death_scenario(const char* name, std::function<void()> body) {
  scenarios().emplace(name, std::move(body));
  return true;
}

DeathResult run_death_scenario(const std::string& name) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const std::string arg = kFlag + name;
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    char* const argv[] = {const_cast<char*>("death"), const_cast<char*>(arg.c_str()), nullptr};
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(fds[1]);
  DeathResult result;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.signal = WTERMSIG(status);
  }
  return result;
}

bool dispatch_death_scenario(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0) {
      const std::string name = argv[i] + std::strlen(kFlag);
      auto it = scenarios().find(name);
      if (it == scenarios().end()) {
        std::fprintf(stderr, "unknown death scenario %s\n", name.c_str());
        std::_Exit(126);
      }
      it->second();
      return true;
    }
  }
  return false;
}

}  // namespace gopool::test
