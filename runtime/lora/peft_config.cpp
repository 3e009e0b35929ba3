#include "lora/peft_config.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"

namespace reach::run {
namespace {

using json = nlohmann::json;

// A key that, set to anything but its neutral value, changes the arithmetic
// in a way reach-run does not implement.
struct Unsupported {
  const char* key;
  const char* why;
  bool (*neutral)(const json&);
};

bool is_null_or_false(const json& v) { return v.is_null() || (v.is_boolean() && !v.get<bool>()); }
bool is_null_or_empty(const json& v) { return v.is_null() || (v.is_structured() && v.empty()); }
bool is_none_string(const json& v) { return v.is_null() || (v.is_string() && v.get<std::string>() == "none"); }

const Unsupported kUnsupported[] = {
    {"use_dora", "DoRA (weight-decomposed LoRA) adapters are not supported", is_null_or_false},
    {"fan_in_fan_out", "fan_in_fan_out adapters (Conv1D layers, GPT-2 style) are not supported", is_null_or_false},
    {"bias", "adapters that train biases are not supported (only \"none\")", is_none_string},
    {"modules_to_save", "fully trained extra modules (modules_to_save) are not supported", is_null_or_empty},
    {"alpha_pattern", "per-module alphas (alpha_pattern) are not supported", is_null_or_empty},
    {"layer_replication", "layer replication is not supported", is_null_or_empty},
};

int64_t positive_rank(const json& j, const std::string& file) {
  const auto it = j.find("r");
  if (it == j.end()) throw FormatError(file, "missing key 'r' (the LoRA rank)");
  if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    throw FormatError(file, "key 'r' must be a positive integer, got " + it->dump());
  return it->get<int64_t>();
}

std::vector<std::string> module_names(const json& j, const std::string& file) {
  const auto it = j.find("target_modules");
  if (it == j.end() || it->is_null() || it->is_string()) return {};  // a regex: the tensors decide
  if (!it->is_array()) throw FormatError(file, "key 'target_modules' must be a list of names or a string");
  std::vector<std::string> names;
  for (const json& m : *it) {
    if (!m.is_string()) throw FormatError(file, "key 'target_modules' holds a non-string " + m.dump());
    names.push_back(m.get<std::string>());
  }
  return names;
}

}  // namespace

PeftConfig parse_peft_config(std::string_view text, const std::string& file_name) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw FormatError(file_name, "not valid JSON");
  if (!j.is_object()) throw FormatError(file_name, "the top level must be an object");
  if (const auto t = j.find("peft_type"); t != j.end() && !(t->is_string() && t->get<std::string>() == "LORA"))
    throw FormatError(file_name, "peft_type is " + t->dump() + "; only LORA adapters are supported");
  for (const Unsupported& u : kUnsupported)
    if (const auto v = j.find(u.key); v != j.end() && !u.neutral(*v))
      throw FormatError(file_name, std::string("key '") + u.key + "' is " + v->dump() + ": " + u.why);
  PeftConfig c;
  c.r = positive_rank(j, file_name);
  const auto alpha = j.find("lora_alpha");
  if (alpha == j.end()) throw FormatError(file_name, "missing key 'lora_alpha'");
  if (!alpha->is_number() || !std::isfinite(alpha->get<double>()))
    throw FormatError(file_name, "key 'lora_alpha' must be a finite number, got " + alpha->dump());
  c.lora_alpha = alpha->get<double>();
  if (const auto rs = j.find("use_rslora"); rs != j.end() && !rs->is_null()) {
    if (!rs->is_boolean()) throw FormatError(file_name, "key 'use_rslora' must be true or false, got " + rs->dump());
    c.use_rslora = rs->get<bool>();
  }
  if (const auto rp = j.find("rank_pattern"); rp != j.end() && !is_null_or_empty(*rp)) {
    if (!rp->is_object()) throw FormatError(file_name, "key 'rank_pattern' must be an object, got " + rp->dump());
    c.rank_pattern = true;
  }
  c.target_modules = module_names(j, file_name);
  return c;
}

double peft_scale(const PeftConfig& c, int64_t rank) {
  const auto r = static_cast<double>(rank);
  return c.lora_alpha / (c.use_rslora ? std::sqrt(r) : r);
}

}  // namespace reach::run
