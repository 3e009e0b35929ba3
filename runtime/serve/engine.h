#pragma once
// The server's generation worker: one slot (one sequence at a time) fed by a
// bounded queue. The HTTP threads submit jobs and read each job's text as it
// is released; a job whose client went away is cancelled and its slot freed
// within one decode step. The slot's KV cache keeps the last conversation,
// so a follow-up request computes only what the cache does not hold.
// (Several sequences decoding together, continuous batching, is the next
// step: issue #13.)
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/model.h"
#include "sample/sampler.h"
#include "tokenizer/tokenizer.h"

namespace reach::run::serve {

// One request's work and the channel its text comes back on.
class Job {
 public:
  Job(std::vector<int32_t> prompt, int64_t max_tokens, SamplerConfig sampling, std::vector<std::string> stops)
      : prompt(std::move(prompt)), max_tokens(max_tokens), sampling(sampling), stops(std::move(stops)) {}

  const std::vector<int32_t> prompt;
  const int64_t max_tokens;  // -1: until the end of the turn or the context
  const SamplerConfig sampling;
  const std::vector<std::string> stops;

  // The reader's side: waits for text; false once everything was read and
  // the job is done (finish_reason() is then set).
  bool next(std::string& text);
  std::string finish_reason() const;  // "stop" or "length"
  int64_t completion_tokens() const;
  void cancel() { cancelled_ = true; }

  // The worker's side.
  bool cancelled() const { return cancelled_; }
  void emit(std::string text);
  void finish(std::string reason, int64_t tokens);

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::string> pieces_;
  bool done_ = false;
  std::string finish_reason_;
  int64_t completion_tokens_ = 0;
  std::atomic<bool> cancelled_{false};
};

class Engine {
 public:
  // `positions`: the slot's KV cache; `queue_limit`: jobs that may wait.
  Engine(Model& model, const Tokenizer& tokenizer, std::vector<int32_t> eos_ids, int64_t positions, size_t queue_limit);
  ~Engine();  // stops: waiting jobs end at once, the running one after its step

  // False when the queue is full (the server answers 503): `queue_limit`
  // jobs wait, besides the one running.
  bool submit(std::shared_ptr<Job> job);
  struct Load {
    int idle_slots, queued;
  };
  Load load();
  int64_t context() const { return cache_.capacity(); }
  // Ends every job (waiting and running) with what it has; no new ones run.
  void shut_down();

 private:
  void work();
  void run(Job& job);
  size_t reuse_prefix(const std::vector<int32_t>& prompt);

  Model& model_;
  const Tokenizer& tokenizer_;
  std::vector<int32_t> eos_;
  KVCache cache_;
  std::vector<int32_t> cached_;  // the tokens the cache holds
  size_t queue_limit_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  bool busy_ = false;  // the slot runs a job
  std::thread worker_;
};

}  // namespace reach::run::serve
