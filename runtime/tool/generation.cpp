#include "tool/generation.h"

#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <random>
#include <set>

#include "tool/cache_type_option.h"
#include "tool/device_option.h"
#include "tool/memory_plan.h"
#include "tool/lora_option.h"

namespace reach::run::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

}  // namespace

std::vector<OptionSpec> generation_option_specs(const char* max_tokens_help) {
  return {
      {"--model", "-m", "PATH", "a folder (config.json, *.safetensors, tokenizer.json) or a .gguf file"},
      {"--max-tokens", "-n", "N", max_tokens_help},
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
      {"--max-memory", "", "SIZE", kMaxMemoryHelp},
      {"--stop", "", "TEXT", "stop before TEXT (repeatable)"},
      kLoraOption,
      kDeviceOption,
      kCacheTypeOption,
  };
}

GenerationOptions parse_generation_options(const Args& a, int64_t max_tokens_default) {
  GenerationOptions o;
  o.model = a.str("--model");
  // Up to 2^31 positions: what fits is decided by the memory plan, with
  // the sizes, not by an arbitrary cap.
  const char* n_flag = a.has("--n-predict") ? "--n-predict" : "--max-tokens";
  o.max_tokens = a.integer(n_flag, max_tokens_default, -1, int64_t{1} << 31);
  o.ctx_size = a.integer("--ctx-size", 0, 0, int64_t{1} << 31);
  o.threads = static_cast<int>(a.integer("--threads", 0, 0, 1024));
  o.device = device_option(a);
  o.cache_type = cache_type_option(a, o.device);
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
  o.loras = a.all("--lora");
  return o;
}

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

void catch_interrupt() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}
bool interrupted() { return g_interrupted != 0; }
void reset_interrupt() { g_interrupted = 0; }

Session::Session(const GenerationOptions& opt)
    : source(open_model(opt.model)), tokenizer(Tokenizer::load(source->tokenizer())), pool(opt.threads) {}

// The cache's size, planned with the weights and activations against the
// budget; a context past what the model was trained on is allowed, with a
// warning.
int64_t Session::load_weights(const GenerationOptions& opt, int64_t prompt_tokens, int64_t prefill_tokens,
                              int64_t sequences) {
  const ModelConfig& config = source->config();
  const int64_t context = opt.ctx_size > 0 ? opt.ctx_size : config.max_seq_len;
  if (opt.ctx_size > config.max_seq_len)
    std::fprintf(stderr, "reach-run: warning: --ctx-size %lld is past the %lld positions the model was trained on\n",
                 static_cast<long long>(opt.ctx_size), static_cast<long long>(config.max_seq_len));
  if (prompt_tokens >= context)
    throw UsageError("the prompt is " + std::to_string(prompt_tokens) + " tokens, the context holds " +
                     std::to_string(context) + "; shorten the prompt or raise --ctx-size");
  const bool whole_context = opt.max_tokens < 0 || prefill_tokens < 0;
  const int64_t positions = whole_context ? context : std::min<int64_t>(context, prompt_tokens + opt.max_tokens);
  const int64_t batch = prefill_tokens < 0 ? positions : std::max(prefill_tokens, sequences);
  const MemoryPlan plan = plan_memory(*source, positions, batch, sequences, opt.cache_type, sequences);
  const MemoryBudget budget = memory_budget(opt.max_memory_given, opt.max_memory);
  if (std::string refusal = plan_refusal(plan, budget, config); !refusal.empty()) throw UsageError(refusal);
  enforce_budget(budget, *source);
  std::vector<LoraAdapter> adapters = load_lora_specs(opt.loras, *source);  // before the weights: errors come fast
  model.emplace(*source, pool, opt.device);
  for (LoraAdapter& adapter : adapters) add_lora(*model, std::move(adapter));
  return positions;
}

std::vector<int32_t> Session::eos_ids() const {
  std::set<int32_t> eos(source->config().eos_ids.begin(), source->config().eos_ids.end());
  for (int32_t id : tokenizer->eos_ids()) eos.insert(id);
  return {eos.begin(), eos.end()};
}

Generation continue_generation(Session& s, const GenerationOptions& opt, KVCache& cache,
                               std::span<const int32_t> feed, std::vector<int32_t>& history, Sampler& sampler,
                               TextStream& stream, const std::function<void(const std::string&)>& on_text) {
  const std::vector<int32_t> eos_list = s.eos_ids();
  const std::set<int32_t> eos(eos_list.begin(), eos_list.end());
  Generation g;
  const auto t_prefill = Clock::now();
  std::vector<float> logits;
  {
    const auto out = s.model->forward(feed, cache);
    logits.assign(out.begin(), out.end());
  }
  g.prefill_s = seconds_since(t_prefill);
  history.insert(history.end(), feed.begin(), feed.end());
  const auto t_decode = Clock::now();
  while (true) {
    if (static_cast<int64_t>(g.tokens.size()) == opt.max_tokens) { g.stop = Stop::Length; break; }
    if (interrupted()) { g.stop = Stop::Interrupted; break; }
    const int32_t next = sampler.sample(logits, history);
    if (eos.count(next) && !opt.ignore_eos) { g.stop = Stop::Eos; break; }
    g.tokens.push_back(next);
    history.push_back(next);
    if (!s.tokenizer->is_special(next)) {
      const std::string text = stream.push(s.tokenizer->token_bytes(next));
      if (!text.empty()) on_text(text);
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

}  // namespace reach::run::cli
