// CommandLine: the examples' one command-line parser, CLI11 (libcli11-dev) behind a small
// interface. CLI11 is header-only and costs seconds of compile time in each file that uses it
// directly; behind this interface it is compiled once, in command_line.cpp.
//
//   CommandLine cli("prime_sieve", "the first N primes, from a chain of goroutines");
//   cli.positional("N", n, "how many primes to print", 1, 1'000'000);
//   if (const std::optional<int> exit_code = cli.parse(argc, argv)) return *exit_code;
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

class CommandLine {
 public:
  // CommandLine: a parser for the program `name`; `description` heads its --help text. -h and
  // --help are always there. Throws std::bad_alloc.
  CommandLine(const std::string& name, const std::string& description);
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // option: "--flag N", an integer in [min, max] written to value; value's initial content is
  // the default --help shows. Throws CLI::Error for a flag defined twice.
  void option(const std::string& flag, int& value, const std::string& help, int min, int max);
  void option(const std::string& flag, long& value, const std::string& help, long min, long max);

  // option: "--flag TEXT" written to value; with `choices`, only one of them is accepted.
  void option(const std::string& flag, std::string& value, const std::string& help,
              const std::vector<std::string>& choices = {});

  // positional: an optional integer argument in [min, max] written to value.
  void positional(const std::string& name, long& value, const std::string& help, long min,
                  long max);

  // footer: text printed after the options in --help.
  void footer(const std::string& text);

  // parse: reads argv into the values. Returns nullopt when the program should go on; otherwise
  // the code it should exit with: 0 after --help (usage printed on stdout), non-zero after an
  // unknown option, a missing or bad value, or an extra argument (said on stderr, with a hint to
  // use --help). Never throws but std::bad_alloc.
  std::optional<int> parse(int argc, const char* const* argv);

 private:
  std::unique_ptr<CLI::App> app_;
};
