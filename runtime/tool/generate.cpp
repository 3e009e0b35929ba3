// reach-run generate: prompt -> tokens -> prefill -> sample/decode loop,
// streaming whole characters to stdout (or one JSON object at the end).
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "formats/mapped_file.h"
#include "formats/model_source.h"
#include "model/model.h"
#include "sample/sampler.h"
#include "sample/text_stream.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/memory_plan.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Options {
  std::string model, prompt, output;
  int64_t max_tokens;  // -1: until EOS or the context is full
  int64_t ctx_size;    // 0: the model's own
  int threads;
  bool ignore_eos;
  SamplerConfig sampling;
  std::vector<std::string> stops;
  bool max_memory_given = false;
  std::string max_memory;
};

// llama-cli's names, short flags and defaults, so the same command line
// means the same thing.
const std::vector<OptionSpec> kGenerateOptions = {
    {"--model", "-m", "PATH", "a folder (config.json, *.safetensors, tokenizer.json) or a .gguf file"},
    {"--prompt", "-p", "TEXT", "the prompt"},
    {"--file", "-f", "FILE", "read the prompt from FILE ('-': standard input)"},
    {"--escape", "-e", "", "process \\n, \\t, \\\\, \\\" and \\' in the prompt"},
    {"--max-tokens", "-n", "N", "tokens to generate; -1 until EOS or the context is full (default 128; alias --n-predict)"},
    {"--n-predict", "", "N", "same as --max-tokens"},
    {"--ctx-size", "-c", "N", "context positions (default: the model's trained context)"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--seed", "-s", "N", "sampling seed; -1 random (default -1)"},
    {"--temperature", "", "T", "0 is greedy (default 0.8; alias --temp)"},
    {"--temp", "", "T", "same as --temperature"},
    {"--top-k", "", "K", "keep the K most likely tokens; 0 off (default 40)"},
    {"--top-p", "", "P", "keep the most likely tokens up to probability P; 1 off (default 0.95)"},
    {"--min-p", "", "P", "drop tokens below P times the best's probability; 0 off (default 0.05)"},
    {"--repeat-penalty", "", "R", "penalize tokens of the last --repeat-last-n; 1 off (default 1.0)"},
    {"--repeat-last-n", "", "N", "tokens the penalties look back at (default 64)"},
    {"--presence-penalty", "", "P", "subtract P from tokens seen in that window; 0 off (default 0)"},
    {"--frequency-penalty", "", "F", "subtract F per occurrence in that window; 0 off (default 0)"},
    {"--ignore-eos", "", "", "do not stop at end-of-sequence tokens"},
    {"--mask-heads", "", "LIST", kMaskHeadsHelp},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    {"--stop", "", "TEXT", "stop before TEXT (repeatable)"},
    {"--output", "", "text|json", "stream text, or print one JSON object at the end (default text)"},
};

const char* kGenerateSummary =
    "Generates text from a prompt, streaming it to stdout; why it stopped and the speeds go to stderr.";

// -e: the escapes llama-cli's --escape processes.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;  // \\, \", \' stand for themselves
  }
  return out;
}

std::string read_prompt_file(const std::string& path) {
  if (path == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  const MappedFile file(path);
  const auto bytes = file.bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string prompt_of(const Args& a) {
  if (a.has("--prompt") == a.has("--file")) throw UsageError("give the prompt with --prompt TEXT or --file FILE (one)");
  const std::string prompt = a.has("--file") ? read_prompt_file(a.str("--file")) : a.str("--prompt");
  return a.has("--escape") ? unescape(prompt) : prompt;
}

Options parse(const Args& a) {
  Options o;
  o.model = a.str("--model");
  o.prompt = prompt_of(a);
  o.output = a.str("--output", "text");
  if (o.output != "text" && o.output != "json") throw UsageError("--output is 'text' or 'json', got '" + o.output + "'");
  // Up to 2^31 positions: what fits is decided by the memory plan, with
  // the sizes, not by an arbitrary cap.
  const char* n_flag = a.has("--n-predict") ? "--n-predict" : "--max-tokens";
  o.max_tokens = a.integer(n_flag, 128, -1, int64_t{1} << 31);
  o.ctx_size = a.integer("--ctx-size", 0, 0, int64_t{1} << 31);
  o.threads = static_cast<int>(a.integer("--threads", 0, 0, 1024));
  o.ignore_eos = a.has("--ignore-eos");
  const char* t_flag = a.has("--temp") ? "--temp" : "--temperature";
  o.sampling.temperature = static_cast<float>(a.number(t_flag, 0.8, 0.0, 1e6));
  o.sampling.top_k = static_cast<int32_t>(a.integer("--top-k", 40, 0, 1 << 30));
  o.sampling.top_p = static_cast<float>(a.number("--top-p", 0.95, 0.0, 1.0));
  o.sampling.min_p = static_cast<float>(a.number("--min-p", 0.05, 0.0, 1.0));
  o.sampling.repeat_penalty = static_cast<float>(a.number("--repeat-penalty", 1.0, 0.0, 1e6));
  o.sampling.repeat_last_n = static_cast<int32_t>(a.integer("--repeat-last-n", 64, 0, 1 << 30));
  o.sampling.presence_penalty = static_cast<float>(a.number("--presence-penalty", 0.0, -1e6, 1e6));
  o.sampling.frequency_penalty = static_cast<float>(a.number("--frequency-penalty", 0.0, -1e6, 1e6));
  const long long seed = a.integer("--seed", -1, -1, INT64_MAX);
  o.sampling.seed = seed < 0 ? std::random_device{}() : static_cast<uint64_t>(seed);
  o.stops = a.all("--stop");
  o.max_memory_given = a.has("--max-memory");
  o.max_memory = a.str("--max-memory", "");
  return o;
}

// Why generation ended, as the JSON's "stop" and the text mode's last line.
enum class Stop { Eos, Length, Context, StopString, Interrupted };

const char* to_string(Stop s) {
  switch (s) {
    case Stop::Eos: return "eos";
    case Stop::Length: return "length";
    case Stop::Context: return "context";
    case Stop::StopString: return "stop_string";
    case Stop::Interrupted: return "interrupted";
  }
  return "?";
}

// Ctrl-C ends generation after the current token: the text so far, the
// JSON and the stop reason are still written.
volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

void catch_interrupt() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

struct Generation {
  std::vector<int32_t> tokens;
  Stop stop = Stop::Length;
  int64_t decode_steps = 0;
  double prefill_s = 0, decode_s = 0;
};

// The model and what generation needs besides it, loaded once: the source
// (mapped, nothing read yet) and the tokenizer first, the model's weights
// only once the memory plan has passed.
struct Session {
  std::unique_ptr<ModelSource> source;
  std::unique_ptr<Tokenizer> tokenizer;
  ThreadPool pool;
  std::optional<Model> model;
  Session(const Options& opt)
      : source(open_model(opt.model)), tokenizer(Tokenizer::load(source->tokenizer())), pool(opt.threads) {}
};

// The cache's size, planned with the weights and activations against the
// budget; a context past what the model was trained on is allowed, with a
// warning.
int64_t plan_positions(const Options& opt, const ModelSource& source, int64_t prompt_tokens) {
  const ModelConfig& config = source.config();
  const int64_t context = opt.ctx_size > 0 ? opt.ctx_size : config.max_seq_len;
  if (opt.ctx_size > config.max_seq_len)
    std::fprintf(stderr, "reach-run: warning: --ctx-size %lld is past the %lld positions the model was trained on\n",
                 static_cast<long long>(opt.ctx_size), static_cast<long long>(config.max_seq_len));
  if (prompt_tokens >= context)
    throw UsageError("the prompt is " + std::to_string(prompt_tokens) + " tokens, the context holds " +
                     std::to_string(context) + "; shorten the prompt or raise --ctx-size");
  const int64_t positions = opt.max_tokens < 0 ? context : std::min<int64_t>(context, prompt_tokens + opt.max_tokens);
  const MemoryPlan plan = plan_memory(source, positions, prompt_tokens, 1);
  const MemoryBudget budget = memory_budget(opt.max_memory_given, opt.max_memory);
  if (std::string refusal = plan_refusal(plan, budget, config); !refusal.empty()) throw UsageError(refusal);
  enforce_budget(budget, source);
  return positions;
}

Generation run_generation(Session& s, const Options& opt, const std::vector<int32_t>& prompt, TextStream& stream,
                          int64_t positions) {
  const ModelConfig& config = s.model->config();
  std::set<int32_t> eos(config.eos_ids.begin(), config.eos_ids.end());
  for (int32_t id : s.tokenizer->eos_ids()) eos.insert(id);
  KVCache cache = s.model->make_cache(positions);
  Sampler sampler(opt.sampling);
  const bool stream_text = opt.output == "text";
  Generation g;
  const auto t_prefill = Clock::now();
  std::vector<float> logits;
  {
    const auto out = s.model->forward(prompt, cache);
    logits.assign(out.begin(), out.end());
  }
  g.prefill_s = seconds_since(t_prefill);
  std::vector<int32_t> history = prompt;
  const auto t_decode = Clock::now();
  while (true) {
    if (static_cast<int64_t>(g.tokens.size()) == opt.max_tokens) { g.stop = Stop::Length; break; }
    if (g_interrupted) { g.stop = Stop::Interrupted; break; }
    const int32_t next = sampler.sample(logits, history);
    if (eos.count(next) && !opt.ignore_eos) { g.stop = Stop::Eos; break; }
    g.tokens.push_back(next);
    history.push_back(next);
    if (!s.tokenizer->is_special(next)) {
      const std::string text = stream.push(s.tokenizer->token_bytes(next));
      if (stream_text && !text.empty()) write_stdout(text);
    }
    if (stream.stopped()) { g.stop = Stop::StopString; break; }
    if (static_cast<int64_t>(g.tokens.size()) == opt.max_tokens) { g.stop = Stop::Length; break; }
    if (cache.length() == cache.capacity()) { g.stop = Stop::Context; break; }
    const auto out = s.model->forward({&next, 1}, cache);
    logits.assign(out.begin(), out.end());
    ++g.decode_steps;
  }
  g.decode_s = seconds_since(t_decode);
  return g;
}

double per_second(double n, double s) { return s > 0 && n > 0 ? n / s : 0.0; }

}  // namespace

int generate(int argc, char** argv) {
  const Args args(argc, argv, 2, kGenerateOptions);
  if (args.help()) {
    write_stdout(usage("generate", kGenerateSummary, kGenerateOptions));
    return 0;
  }
  const Options opt = parse(args);
  Session s(opt);
  const std::vector<int32_t> prompt = s.tokenizer->encode(opt.prompt, /*add_bos=*/true);
  if (prompt.empty()) throw UsageError("the prompt encodes to no tokens; give some text");
  const int64_t positions = plan_positions(opt, *s.source, static_cast<int64_t>(prompt.size()));
  s.model.emplace(*s.source, s.pool);
  apply_head_mask(args, *s.model);
  catch_interrupt();
  TextStream stream(opt.stops);
  const Generation g = run_generation(s, opt, prompt, stream, positions);
  const std::string tail = stream.finish();
  const double prefill_tps = per_second(static_cast<double>(prompt.size()), g.prefill_s);
  const double decode_tps = per_second(static_cast<double>(g.decode_steps), g.decode_s);
  if (opt.output == "text") {
    write_stdout(tail + "\n");
    std::fprintf(stderr, "reach-run: stop: %s; prompt %zu tokens at %.2f t/s, generated %zu tokens at %.2f t/s\n",
                 to_string(g.stop), prompt.size(), prefill_tps, g.tokens.size(), decode_tps);
  } else {
    const nlohmann::json result = {
        {"prompt_tokens", prompt},
        {"tokens", g.tokens},
        {"text", stream.text()},
        {"stop", to_string(g.stop)},
        {"prefill_tokens_per_s", prefill_tps},
        {"decode_tokens_per_s", decode_tps},
    };
    write_stdout(result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  finish_stdout();
  return g.stop == Stop::Interrupted ? 130 : 0;
}

}  // namespace reach::run::cli
