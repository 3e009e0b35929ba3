#pragma once
// The server's generation worker: continuous batching over a fixed number of
// slots, fed by a bounded queue. Each step, a waiting job takes a free slot,
// a slot's new prompt is fed one chunk, and every decoding slot gets its
// next token from one pass over the weights (Model::forward_each). The HTTP
// threads submit jobs and read each job's text as it is released; a job
// whose client went away is cancelled and its slot freed within one step.
// A slot's KV cache keeps its last conversation: a job goes to the free slot
// that holds the longest prefix of its prompt, and computes only the rest.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/model.h"
#include "sample/sampler.h"
#include "serve/token_logprobs.h"
#include "tokenizer/tokenizer.h"

namespace reach::run::serve {

// Text released to the client, with the log-probabilities of the tokens it
// came from when the request asked for them (tokens whose text a stop
// string cut off are not reported).
struct Piece {
  std::string text;
  std::vector<TokenLogprobs> logprobs;
};

// One request's work and the channel its text comes back on.
class Job {
 public:
  Job(std::vector<int32_t> prompt, int64_t max_tokens, SamplerConfig sampling, std::vector<std::string> stops,
      int logprobs = -1)
      : prompt(std::move(prompt)), max_tokens(max_tokens), sampling(sampling), stops(std::move(stops)),
        logprobs(logprobs) {}

  const std::vector<int32_t> prompt;
  const int64_t max_tokens;  // -1: until the end of the turn or the context
  const SamplerConfig sampling;
  const std::vector<std::string> stops;
  const int logprobs;  // -1: none; else each token's and this many most likely ones

  // The reader's side: waits for text; false once everything was read and
  // the job is done (finish_reason() is then set).
  bool next(Piece& piece);
  std::string finish_reason() const;  // "stop" or "length"
  int64_t completion_tokens() const;
  void cancel() { cancelled_ = true; }

  // The worker's side.
  bool cancelled() const { return cancelled_; }
  void emit(Piece piece);
  void finish(std::string reason, int64_t tokens);

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<Piece> pieces_;
  bool done_ = false;
  std::string finish_reason_;
  int64_t completion_tokens_ = 0;
  std::atomic<bool> cancelled_{false};
};

class Engine {
 public:
  // `slots` sequences decode together, each with a KV cache of `positions`
  // of `cache_type`; `queue_limit` jobs may wait besides them.
  Engine(Model& model, const Tokenizer& tokenizer, std::vector<int32_t> eos_ids, int64_t positions, int slots,
         size_t queue_limit, DType cache_type = DType::F32);
  ~Engine();  // stops: waiting jobs end at once, running ones after their step

  // False when the queue is full (the server answers 503).
  bool submit(std::shared_ptr<Job> job);
  struct Load {
    int idle_slots, queued;
  };
  Load load();
  int64_t context() const { return positions_; }
  // Ends every job (waiting and running) with what it has; no new ones run.
  void shut_down();

  // The largest batch one pass gets: a prefill chunk. A new prompt is fed
  // in chunks between decode steps, so running streams wait at most one
  // chunk's time.
  static constexpr int64_t kPrefillChunk = 64;

 private:
  struct Slot;
  void work();
  bool admit();
  void prefill_step(Slot& slot);
  void decode_step();
  void take(Slot& slot, std::span<const float> logits);
  void finish(Slot& slot, const char* reason);
  TokenLogprobs logprobs_of(std::span<const float> logits, int32_t chosen, int top) const;
  bool stopping();

  Model& model_;
  const Tokenizer& tokenizer_;
  std::set<int32_t> eos_;
  int64_t positions_;
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t queue_limit_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  int busy_ = 0;  // slots running a job
  std::thread worker_;
};

}  // namespace reach::run::serve
