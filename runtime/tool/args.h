#pragma once
// Command-line parsing as llama.cpp's tools take it: `--flag value`,
// `--flag=value`, a short alias (`-m PATH`), switches that take no value
// (`--ignore-eos`), flags that repeat (`--stop`). One table of options per
// subcommand drives both the parsing and its `--help`. Anything malformed is
// a UsageError, which main turns into a message and exit status 2.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace reach::run::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // "--model"
  std::string alias;       // "-m", or ""
  std::string value;       // what it takes ("PATH"); "" for a switch
  std::string help;        // what it means, and its default
};

class Args {
 public:
  Args(int argc, char** argv, int first, const std::vector<OptionSpec>& specs);

  bool help() const { return help_; }  // --help or -h was given
  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  std::string str(const std::string& flag) const;  // required
  std::string str(const std::string& flag, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& flag) const;
  long long integer(const std::string& flag, long long fallback, long long min, long long max) const;
  double number(const std::string& flag, double fallback, double min, double max) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;  // by long name
  bool help_ = false;
};

// "usage: reach-run COMMAND [options]" and one line per option.
std::string usage(const std::string& command, const std::string& summary, const std::vector<OptionSpec>& specs);

}  // namespace reach::run::cli
