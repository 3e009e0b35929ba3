#pragma once
// What `generate` and `chat` share: the model and sampling options (llama-cli's
// names and defaults), loading the model after its memory plan passed, and
// the sample/decode loop that continues a KV cache and streams whole
// characters.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "kernels/thread_pool.h"
#include "model/model.h"
#include "sample/sampler.h"
#include "sample/text_stream.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"

namespace reach::run::cli {

struct GenerationOptions {
  std::string model;
  int64_t max_tokens;  // -1: until EOS or the context is full
  int64_t ctx_size;    // 0: the model's own
  int threads;
  bool ignore_eos;
  SamplerConfig sampling;
  std::vector<std::string> stops;
  bool max_memory_given = false;
  std::string max_memory;
  Device device;
  DType cache_type = DType::F16;   // --cache-type (cache_type_option: F32 on a GPU)
  std::vector<std::string> loras;  // --lora PATH[:SCALE]
};

// The options both commands take; `max_tokens_default` is -n's default.
std::vector<OptionSpec> generation_option_specs(const char* max_tokens_help);
GenerationOptions parse_generation_options(const Args& a, int64_t max_tokens_default);

// Why generation ended, as the JSON's "stop" and the text mode's last line.
enum class Stop { Eos, Length, Context, StopString, Interrupted };
const char* to_string(Stop s);

// Ctrl-C ends generation after the current token (the caller decides what
// follows); reset_interrupt() re-arms it.
void catch_interrupt();
bool interrupted();
void reset_interrupt();

// The model and what generation needs besides it, loaded once: the source
// (mapped, nothing read yet) and the tokenizer first, the model's weights
// only once the memory plan has passed (load_weights).
struct Session {
  std::unique_ptr<ModelSource> source;
  std::unique_ptr<Tokenizer> tokenizer;
  ThreadPool pool;
  std::optional<Model> model;
  explicit Session(const GenerationOptions& opt);
  // Plans the cache for the prompt and what may follow it against the
  // budget (a UsageError with the breakdown when it does not fit), then
  // loads the weights. Returns the cache's positions. `prefill_tokens`: the
  // largest batch one forward pass will get; -1 for a conversation, whose
  // cache is the whole context and whose turns may be as long. `sequences`:
  // that many caches (the server's slots), each of the returned positions.
  int64_t load_weights(const GenerationOptions& opt, int64_t prompt_tokens, int64_t prefill_tokens,
                       int64_t sequences = 1);
  std::vector<int32_t> eos_ids() const;  // the model's and the tokenizer's
};

struct Generation {
  std::vector<int32_t> tokens;
  Stop stop = Stop::Length;
  int64_t decode_steps = 0;
  double prefill_s = 0, decode_s = 0;
};

// Feeds `feed` after what `cache` holds (`history` is everything in it, and
// gets the new tokens), then samples until a stop. `on_text` gets each
// piece of printable text as it is released.
Generation continue_generation(Session& s, const GenerationOptions& opt, KVCache& cache,
                               std::span<const int32_t> feed, std::vector<int32_t>& history, Sampler& sampler,
                               TextStream& stream, const std::function<void(const std::string&)>& on_text);

double per_second(double n, double seconds);

}  // namespace reach::run::cli
