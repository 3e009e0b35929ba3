// reach-run generate: prompt -> tokens -> prefill -> sample/decode loop,
// streaming whole characters to stdout (or one JSON object at the end).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "formats/model_source.h"
#include "model/model.h"
#include "sample/sampler.h"
#include "sample/text_stream.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"
#include "tool/commands.h"

namespace reach::run::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Options {
  std::string model, prompt, output;
  int64_t max_tokens;
  int64_t ctx_size;  // 0: the model's own
  int threads;
  SamplerConfig sampling;
  std::vector<std::string> stops;
};

Options parse(int argc, char** argv) {
  const Args a(argc, argv, 2,
               {"--model", "--prompt", "--max-tokens", "--temperature", "--top-k", "--top-p", "--min-p",
                "--repeat-penalty", "--repeat-last-n", "--seed", "--stop", "--threads", "--ctx-size", "--output"});
  Options o;
  o.model = a.str("--model");
  o.prompt = a.str("--prompt");
  o.output = a.str("--output", "text");
  if (o.output != "text" && o.output != "json") throw UsageError("--output is 'text' or 'json', got '" + o.output + "'");
  o.max_tokens = a.integer("--max-tokens", 128, 0, 1 << 24);
  o.ctx_size = a.integer("--ctx-size", 0, 0, 1 << 24);
  o.threads = static_cast<int>(a.integer("--threads", 0, 0, 1024));
  // llama.cpp's defaults, so the same flags mean the same thing.
  o.sampling.temperature = static_cast<float>(a.number("--temperature", 0.8, 0.0, 1e6));
  o.sampling.top_k = static_cast<int32_t>(a.integer("--top-k", 40, 0, 1 << 30));
  o.sampling.top_p = static_cast<float>(a.number("--top-p", 0.95, 0.0, 1.0));
  o.sampling.min_p = static_cast<float>(a.number("--min-p", 0.05, 0.0, 1.0));
  o.sampling.repeat_penalty = static_cast<float>(a.number("--repeat-penalty", 1.0, 0.0, 1e6));
  o.sampling.repeat_last_n = static_cast<int32_t>(a.integer("--repeat-last-n", 64, 0, 1 << 30));
  o.sampling.seed = a.has("--seed") ? static_cast<uint64_t>(a.integer("--seed", 0, 0, INT64_MAX)) : std::random_device{}();
  o.stops = a.all("--stop");
  return o;
}

}  // namespace

int generate(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  const auto source = open_model(opt.model);
  const auto tokenizer = Tokenizer::load(source->tokenizer());
  ThreadPool pool(opt.threads);
  Model model(*source, pool);
  const ModelConfig& config = model.config();

  const std::vector<int32_t> prompt = tokenizer->encode(opt.prompt, /*add_bos=*/true);
  const int64_t context = opt.ctx_size > 0 ? opt.ctx_size : config.max_seq_len;
  if (prompt.empty()) throw UsageError("the prompt encodes to no tokens; give some text");
  if (static_cast<int64_t>(prompt.size()) >= context) {
    std::fprintf(stderr, "reach-run: the prompt is %zu tokens, the context holds %lld; shorten the prompt\n",
                 prompt.size(), static_cast<long long>(context));
    return 2;
  }
  std::set<int32_t> eos(config.eos_ids.begin(), config.eos_ids.end());
  for (int32_t id : tokenizer->eos_ids()) eos.insert(id);

  KVCache cache = model.make_cache(std::min<int64_t>(context, static_cast<int64_t>(prompt.size()) + opt.max_tokens));
  Sampler sampler(opt.sampling);
  TextStream stream(opt.stops);
  const bool stream_text = opt.output == "text";
  auto print = [&](const std::string& s) {
    if (stream_text && !s.empty()) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    }
  };

  const auto t_prefill = Clock::now();
  std::vector<float> logits;
  {
    const auto out = model.forward(prompt, cache);
    logits.assign(out.begin(), out.end());
  }
  const double prefill_s = seconds_since(t_prefill);

  std::vector<int32_t> history = prompt;
  std::vector<int32_t> generated;
  int64_t decode_steps = 0;
  const auto t_decode = Clock::now();
  while (static_cast<int64_t>(generated.size()) < opt.max_tokens) {
    const int32_t next = sampler.sample(logits, history);
    if (eos.count(next)) break;
    generated.push_back(next);
    history.push_back(next);
    if (!tokenizer->is_special(next)) print(stream.push(tokenizer->token_bytes(next)));
    if (stream.stopped() || static_cast<int64_t>(generated.size()) == opt.max_tokens || cache.length() == cache.capacity())
      break;
    const auto out = model.forward({&next, 1}, cache);
    logits.assign(out.begin(), out.end());
    ++decode_steps;
  }
  const double decode_s = seconds_since(t_decode);
  print(stream.finish());

  if (stream_text) {
    std::fputc('\n', stdout);
  } else {
    const nlohmann::json result = {
        {"prompt_tokens", prompt},
        {"tokens", generated},
        {"text", stream.text()},
        {"prefill_tokens_per_s", prefill_s > 0 ? static_cast<double>(prompt.size()) / prefill_s : 0.0},
        {"decode_tokens_per_s", decode_s > 0 && decode_steps > 0 ? static_cast<double>(decode_steps) / decode_s : 0.0},
    };
    std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  return 0;
}

}  // namespace reach::run::cli
