#include "support/death.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gopool::test {
namespace {

std::map<std::string, std::function<void()>>& scenarios() {
  static std::map<std::string, std::function<void()>> all;
  return all;
}

constexpr const char* kFlag = "--gopool-death=";

// The command line that runs this binary again. A cross build's tests run under an emulator
// (qemu-user) and the kernel cannot run the binary itself: ctest passes the emulator's command
// line (an absolute path, then its options, separated by spaces) in GOPOOL_TEST_EMULATOR.
std::vector<std::string> self_command(const std::string& arg) {
  std::vector<std::string> words;
  const char* emulator = std::getenv("GOPOOL_TEST_EMULATOR");
  if (emulator == nullptr || *emulator == '\0') return {"/proc/self/exe", "death", arg};
  std::istringstream in(emulator);
  for (std::string word; in >> word;)
    words.push_back(word);
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
  words.emplace_back(self, static_cast<std::size_t>(n));
  words.push_back(arg);
  words.insert(words.begin(), words.front());  // the path to exec, then argv[0]
  return words;
}

}  // namespace

bool register_death_scenario(const char* name, std::function<void()> body) {
  scenarios().emplace(name, std::move(body));
  return true;
}

DeathResult run_death_scenario(const std::string& name) {
  // Built before the fork: the child of a threaded parent must not allocate.
  std::vector<std::string> command = self_command(kFlag + name);
  std::vector<char*> argv;
  for (std::size_t i = 1; i < command.size(); ++i)
    argv.push_back(command[i].data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(command[0].c_str(), argv.data());
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
