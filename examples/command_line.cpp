#include "command_line.hpp"

#include <CLI/CLI.hpp>

namespace {

template <class Int>
void add_int(CLI::App& app, const std::string& flag, Int& value, const std::string& help, Int min,
             Int max) {
  app.add_option(flag, value, help)->check(CLI::Range(min, max))->capture_default_str();
}

}  // namespace

CommandLine::CommandLine(const std::string& name, const std::string& description)
    : app_(std::make_unique<CLI::App>(description, name)) {}

CommandLine::~CommandLine() = default;

void CommandLine::option(const std::string& flag, int& value, const std::string& help, int min,
                         int max) {
  add_int(*app_, flag, value, help, min, max);
}

void CommandLine::option(const std::string& flag, long& value, const std::string& help, long min,
                         long max) {
  add_int(*app_, flag, value, help, min, max);
}

void CommandLine::option(const std::string& flag, std::string& value, const std::string& help,
                         const std::vector<std::string>& choices) {
  CLI::Option* option = app_->add_option(flag, value, help);
  if (!choices.empty()) {
    option->check(CLI::IsMember(choices));
  } else {
    option->capture_default_str();
  }
}

void CommandLine::positional(const std::string& name, long& value, const std::string& help,
                             long min, long max) {
  add_int(*app_, name, value, help, min, max);  // a name without dashes is positional in CLI11
}

void CommandLine::footer(const std::string& text) {
  app_->footer(text);
}

std::optional<int> CommandLine::parse(int argc, const char* const* argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app_->exit(e);  // prints the usage (--help) or the error, gives the exit code
  }
  return std::nullopt;
}
