#include "check/Baseline.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

namespace reach {

std::string renderBaseline(const std::vector<Finding> &F) {
  std::map<std::string, const Finding *> ByKey;
  for (const Finding &X : F)
    ByKey.emplace(X.Key, &X);
  nlohmann::json List = nlohmann::json::array();
  for (const auto &[Key, X] : ByKey)
    List.push_back({{"key", Key}, {"kind", toString(X->Kind)}, {"name", X->Name}});
  return nlohmann::json{{"version", 1}, {"tool", "reach-audit"}, {"findings", List}}.dump(2) + "\n";
}

std::optional<std::set<std::string>> readBaseline(const std::string &Path, std::string &Error) {
  std::ifstream In(Path);
  if (!In) {
    Error = Path + ": cannot read the baseline; create it with 'reach-audit check --baseline " + Path +
            " --update-baseline'";
    return std::nullopt;
  }
  std::stringstream SS;
  SS << In.rdbuf();
  nlohmann::json J = nlohmann::json::parse(SS.str(), nullptr, false);
  if (J.is_discarded() || !J.is_object() || J.value("version", 0) != 1 || !J.contains("findings") ||
      !J["findings"].is_array()) {
    Error = Path + ": not a version-1 reach-audit baseline (expected {\"version\": 1, \"findings\": "
                   "[...]}); regenerate it with --update-baseline";
    return std::nullopt;
  }
  std::set<std::string> Keys;
  for (const auto &F : J["findings"]) {
    if (!F.is_object() || !F.contains("key") || !F["key"].is_string()) {
      Error = Path + ": a finding without a string 'key'; regenerate it with --update-baseline";
      return std::nullopt;
    }
    Keys.insert(F["key"].get<std::string>());
  }
  return Keys;
}

} // namespace reach
