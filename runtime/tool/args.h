#pragma once
// Plain command-line parsing: "--flag value" (or "-p value") pairs after the
// subcommand, a flag may repeat (--stop). Anything malformed is a UsageError,
// which main turns into a message and exit status 2.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace reach::run::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `known` lists the accepted flags, each with its dashes ("--model", "-p").
  Args(int argc, char** argv, int first, const std::set<std::string>& known);

  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  std::string str(const std::string& flag) const;  // required
  std::string str(const std::string& flag, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& flag) const;
  long long integer(const std::string& flag, long long fallback, long long min, long long max) const;
  double number(const std::string& flag, double fallback, double min, double max) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace reach::run::cli
