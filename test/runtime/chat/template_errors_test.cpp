// Templates that cannot run: each is an error that names the place and the
// construct, at load time when it can be known then; hostile templates end
// in an error, never a crash or a hang.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include "chat/chat_template.h"
#include "chat/jinja_error.h"

namespace {

using reach::run::ChatInputs;
using reach::run::ChatTemplate;
using reach::run::jinja::TemplateError;
using testing::HasSubstr;

std::string load_error(const std::string& source) {
  try {
    ChatTemplate t(source, "tokenizer_config.json");
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

TEST(ChatTemplateErrors, SyntaxErrorsNameTheFileLineAndColumn) {
  EXPECT_THAT(load_error("line one\n{% if x %}\nnever closed"),
              HasSubstr("tokenizer_config.json: line 3"));
  EXPECT_THAT(load_error("{% if x %}\nnever closed"), HasSubstr("missing '{% endif %}'"));
  EXPECT_THAT(load_error("{{ 'unterminated }}"), HasSubstr("line 1, column 4: Unexpected end of input"));
  EXPECT_THAT(load_error("{# no end"), HasSubstr("Missing end of comment tag"));
  EXPECT_THAT(load_error("{{ x ! y }}"), HasSubstr("line 1, column 6: Unexpected character: !"));
  EXPECT_THAT(load_error("{{ (1 + 2 }}"), HasSubstr("expected ')'"));
  EXPECT_THAT(load_error("{{ '\\q' }}"), HasSubstr("Unexpected escaped character: q"));
}

TEST(ChatTemplateErrors, UnsupportedConstructsAreRefusedAtLoadNamingThem) {
  EXPECT_THAT(load_error("{% include 'other.jinja' %}"), HasSubstr("unsupported statement '{% include %}'"));
  EXPECT_THAT(load_error("{% for m in messages %}{{ m.content | wordcount }}{% endfor %}"),
              HasSubstr("tokenizer_config.json: line 1, column 39: the filter 'wordcount' is not supported"));
  EXPECT_THAT(load_error("{% if messages is divisibleby %}{% endif %}"), HasSubstr("the test 'divisibleby' is not supported"));
  EXPECT_THAT(load_error("{{ messages[0].content.zfill(3) }}"), HasSubstr("the method 'zfill()' is not supported"));
  // A filter only a branch the trial conversation never reaches still counts.
  EXPECT_THAT(load_error("{% if tools %}{{ tools | pprint }}{% endif %}"), HasSubstr("'pprint'"));
}

TEST(ChatTemplateErrors, AFailureOnAPlainConversationIsALoadError) {
  EXPECT_THAT(load_error("{{ messages[0].content - 1 }}"), HasSubstr("tokenizer_config.json: line 1"));
  EXPECT_THAT(load_error("{{ messages | frobnicate }}"), HasSubstr("'frobnicate'"));
}

TEST(ChatTemplateErrors, RaiseExceptionIsTheTemplatesOwnMessage) {
  ChatTemplate gemma(*reach::run::builtin_chat_template("gemma"), "gemma");
  ChatInputs in;
  in.messages = nlohmann::ordered_json::array({{{"role", "system"}, {"content", "x"}}, {{"role", "user"}, {"content", "y"}}});
  try {
    gemma.render(in);
    FAIL() << "a system message must be refused by gemma's template";
  } catch (const TemplateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("raise_exception: System role not supported"));
  }
}

TEST(ChatTemplateErrors, HostileTemplatesEndInAnErrorNotACrash) {
  EXPECT_THAT(load_error("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}"), HasSubstr("nested too deeply"));
  EXPECT_THAT(load_error("{{ " + std::string(5000, '-') + "1 }}"), HasSubstr("nested too deeply"));
  EXPECT_THAT(load_error(std::string(2000, '{') + "% if x %}"), testing::Not(testing::IsEmpty()));
  EXPECT_THAT(load_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), HasSubstr("calls nested too deeply"));
  EXPECT_THAT(load_error("{% for i in range(100000000) %}{% endfor %}"), HasSubstr("range() of more than"));
  EXPECT_THAT(load_error("{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(1000000) %}{% for j in range(1000000) %}{{ s }}"
                         "{% endfor %}{% endfor %}"),
              HasSubstr("size limit"));
}

TEST(ChatTemplateErrors, BuiltinTemplatesLoadAndUnknownNamesAreNone) {
  for (const char* name : {"chatml", "gemma", "llama2", "llama3", "mistral", "phi3", "zephyr"})
    EXPECT_NO_THROW(ChatTemplate(*reach::run::builtin_chat_template(name), name)) << name;
  EXPECT_FALSE(reach::run::builtin_chat_template("nosuch"));
}

}  // namespace
