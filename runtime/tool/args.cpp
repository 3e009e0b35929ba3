#include "tool/args.h"

#include <cerrno>
#include <cstdlib>

namespace reach::run::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& known) {
  for (int i = first; i < argc; ++i) {
    const std::string flag = argv[i];
    if (!known.count(flag)) throw UsageError("unknown option '" + flag + "'");
    if (i + 1 >= argc) throw UsageError("option '" + flag + "' needs a value");
    values_[flag].push_back(argv[++i]);
  }
}

std::string Args::str(const std::string& flag) const {
  if (!has(flag)) throw UsageError("missing required option '" + flag + "'");
  return values_.at(flag).back();
}

std::string Args::str(const std::string& flag, const std::string& fallback) const {
  return has(flag) ? values_.at(flag).back() : fallback;
}

std::vector<std::string> Args::all(const std::string& flag) const {
  return has(flag) ? values_.at(flag) : std::vector<std::string>{};
}

long long Args::integer(const std::string& flag, long long fallback, long long min, long long max) const {
  if (!has(flag)) return fallback;
  const std::string s = values_.at(flag).back();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max)
    throw UsageError("option '" + flag + "' wants an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + s + "'");
  return v;
}

double Args::number(const std::string& flag, double fallback, double min, double max) const {
  if (!has(flag)) return fallback;
  const std::string s = values_.at(flag).back();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno != 0 || !(v >= min && v <= max))
    throw UsageError("option '" + flag + "' wants a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + s + "'");
  return v;
}

}  // namespace reach::run::cli
