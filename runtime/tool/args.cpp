#include "tool/args.h"

#include <cerrno>
#include <cstdlib>

namespace reach::run::cli {

namespace {

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& flag) {
  for (const OptionSpec& s : specs)
    if (flag == s.name || (!s.alias.empty() && flag == s.alias)) return &s;
  return nullptr;
}

}  // namespace

Args::Args(int argc, char** argv, int first, const std::vector<OptionSpec>& specs) {
  for (int i = first; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      help_ = true;
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (flag.rfind("--", 0) == 0) {
      if (const size_t eq = flag.find('='); eq != std::string::npos) {
        value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
        inline_value = true;
      }
    }
    const OptionSpec* spec = find_spec(specs, flag);
    if (spec == nullptr) throw UsageError("unknown option '" + flag + "' (see --help)");
    if (spec->value.empty()) {
      if (inline_value) throw UsageError("option '" + spec->name + "' takes no value");
      values_[spec->name].push_back("");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) throw UsageError("option '" + flag + "' needs a value (" + spec->value + ")");
      value = argv[++i];
    }
    values_[spec->name].push_back(value);
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

std::string usage(const std::string& command, const std::string& summary, const std::vector<OptionSpec>& specs) {
  std::string out = "usage: reach-run " + command + " [options]\n" + summary + "\n\noptions:\n";
  for (const OptionSpec& s : specs) {
    std::string left = "  " + (s.alias.empty() ? "    " : s.alias + ", ") + s.name;
    if (!s.value.empty()) left += " " + s.value;
    if (left.size() < 34) left.resize(34, ' ');
    else left += "\n" + std::string(34, ' ');
    out += left + s.help + "\n";
  }
  out += "  -h, --help                      this help\n";
  return out;
}

}  // namespace reach::run::cli
