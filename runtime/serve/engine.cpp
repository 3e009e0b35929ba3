#include "serve/engine.h"

#include <algorithm>
#include <set>
#include <utility>

#include "sample/text_stream.h"

namespace reach::run::serve {

bool Job::next(Piece& piece) {
  std::unique_lock lock(m_);
  cv_.wait(lock, [&] { return !pieces_.empty() || done_; });
  if (pieces_.empty()) return false;
  piece = std::move(pieces_.front());
  pieces_.pop_front();
  return true;
}

std::string Job::finish_reason() const {
  std::lock_guard lock(m_);
  return finish_reason_;
}

int64_t Job::completion_tokens() const {
  std::lock_guard lock(m_);
  return completion_tokens_;
}

void Job::emit(Piece piece) {
  {
    std::lock_guard lock(m_);
    pieces_.push_back(std::move(piece));
  }
  cv_.notify_all();
}

void Job::finish(std::string reason, int64_t tokens) {
  {
    std::lock_guard lock(m_);
    done_ = true;
    finish_reason_ = std::move(reason);
    completion_tokens_ = tokens;
  }
  cv_.notify_all();
}

// One sequence's state: its cache (and what it holds), and the job it runs.
struct Engine::Slot {
  explicit Slot(KVCache c) : cache(std::move(c)) {}
  KVCache cache;
  std::vector<int32_t> cached;  // the tokens the cache holds
  std::shared_ptr<Job> job;     // null: free
  size_t fed = 0;               // prompt tokens in the cache
  std::optional<Sampler> sampler;
  std::optional<TextStream> stream;
  std::vector<int32_t> history;  // prompt and generated tokens, for the penalties
  int64_t generated = 0;
  int32_t pending = -1;          // sampled, printed, not yet fed: the next decode step's input
  std::vector<TokenLogprobs> unreleased;  // of tokens whose text the stream still holds
  bool prefilling() const { return job && fed < job->prompt.size(); }
};

Engine::Engine(Model& model, const Tokenizer& tokenizer, std::vector<int32_t> eos_ids, int64_t positions, int slots,
               size_t queue_limit, DType cache_type)
    : model_(model), tokenizer_(tokenizer), eos_(eos_ids.begin(), eos_ids.end()), positions_(positions),
      queue_limit_(queue_limit) {
  for (int i = 0; i < slots; ++i) slots_.push_back(std::make_unique<Slot>(model.make_cache(positions, cache_type)));
  worker_ = std::thread([this] { work(); });
}

Engine::~Engine() {
  shut_down();
  worker_.join();
}

bool Engine::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(m_);
    const size_t free_slots = slots_.size() - static_cast<size_t>(busy_);
    if (stopping_ || queue_.size() >= queue_limit_ + free_slots) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return true;
}

Engine::Load Engine::load() {
  std::lock_guard lock(m_);
  return {static_cast<int>(slots_.size()) - busy_, static_cast<int>(queue_.size())};
}

void Engine::shut_down() {
  std::deque<std::shared_ptr<Job>> waiting;
  {
    std::lock_guard lock(m_);
    stopping_ = true;
    waiting.swap(queue_);
  }
  cv_.notify_all();
  for (auto& job : waiting) job->finish("stop", 0);
}

bool Engine::stopping() {
  std::lock_guard lock(m_);
  return stopping_;
}

void Engine::work() {
  for (;;) {
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || busy_ > 0; });
      if (stopping_ && busy_ == 0) return;
    }
    while (admit()) {
    }
    for (auto& slot : slots_)  // one chunk of one new prompt per step
      if (slot->prefilling()) {
        prefill_step(*slot);
        break;
      }
    decode_step();
  }
}

// A waiting job takes the free slot whose cache holds the longest prefix of
// its prompt. False when no job or no slot is free.
bool Engine::admit() {
  std::shared_ptr<Job> job;
  Slot* best = nullptr;
  size_t best_keep = 0;
  {
    std::lock_guard lock(m_);
    if (queue_.empty() || stopping_) return false;
    for (auto& slot : slots_) {
      if (slot->job) continue;
      const size_t keep = reusable_prefix(slot->cached, queue_.front()->prompt);
      if (!best || keep > best_keep) best = slot.get(), best_keep = keep;
    }
    if (!best) return false;
    job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
  }
  best->cache.truncate(static_cast<int64_t>(best_keep));
  best->cached.resize(best_keep);
  best->job = job;
  best->fed = best_keep;
  best->sampler.emplace(job->sampling);
  best->stream.emplace(job->stops);
  best->history = job->prompt;
  best->generated = 0;
  best->pending = -1;
  best->unreleased.clear();
  return true;
}

void Engine::prefill_step(Slot& slot) {
  const std::vector<int32_t>& prompt = slot.job->prompt;
  const size_t n = std::min<size_t>(prompt.size() - slot.fed, kPrefillChunk);
  const std::span<const int32_t> chunk = std::span(prompt).subspan(slot.fed, n);
  const auto logits = model_.forward(chunk, slot.cache);
  slot.cached.insert(slot.cached.end(), chunk.begin(), chunk.end());
  slot.fed += n;
  if (!slot.prefilling()) take(slot, logits);
}

// Every slot with a token to feed, in one pass.
void Engine::decode_step() {
  std::vector<Slot*> active;
  std::vector<int32_t> tokens;
  std::vector<KVCache*> caches;
  const bool ending = stopping();
  for (auto& slot : slots_) {
    if (!slot->job) continue;
    if (slot->job->cancelled() || ending) {
      finish(*slot, "stop");
      continue;
    }
    if (slot->prefilling() || slot->pending < 0) continue;
    active.push_back(slot.get());
    tokens.push_back(slot->pending);
    caches.push_back(&slot->cache);
  }
  if (active.empty()) return;
  const auto logits = model_.forward_each(tokens, caches);
  const size_t vocab = logits.size() / active.size();
  for (size_t i = 0; i < active.size(); ++i) {
    active[i]->cached.push_back(tokens[i]);
    take(*active[i], logits.subspan(i * vocab, vocab));
  }
}

// The slot's next token from its logits: the end, or text and a token to feed.
void Engine::take(Slot& slot, std::span<const float> logits) {
  Job& job = *slot.job;
  slot.pending = -1;
  if (job.cancelled()) return finish(slot, "stop");
  if (slot.generated == job.max_tokens) return finish(slot, "length");
  std::vector<float> row(logits.begin(), logits.end());  // the sampler works in place
  const int32_t next = slot.sampler->sample(row, slot.history);
  if (eos_.count(next)) return finish(slot, "stop");
  ++slot.generated;
  slot.history.push_back(next);
  if (job.logprobs >= 0) slot.unreleased.push_back(logprobs_of(logits, next, job.logprobs));
  if (!tokenizer_.is_special(next))
    if (std::string text = slot.stream->push(tokenizer_.token_bytes(next)); !text.empty())
      job.emit({std::move(text), std::exchange(slot.unreleased, {})});
  if (slot.stream->stopped()) return finish(slot, "stop");
  if (slot.generated == job.max_tokens || slot.cache.length() == slot.cache.capacity()) return finish(slot, "length");
  slot.pending = next;
}

TokenLogprobs Engine::logprobs_of(std::span<const float> logits, int32_t chosen, int top) const {
  TokenLogprobs r = token_logprobs(logits, chosen, top);
  r.chosen.text = tokenizer_.token_bytes(chosen);
  for (TokenChoice& c : r.top) c.text = tokenizer_.token_bytes(c.id);
  return r;
}

void Engine::finish(Slot& slot, const char* reason) {
  // Tokens still unreleased without a tail formed a stop string: not reported.
  if (std::string tail = slot.stream->finish(); !tail.empty())
    slot.job->emit({std::move(tail), std::exchange(slot.unreleased, {})});
  slot.unreleased.clear();
  slot.job->finish(reason, slot.generated);
  slot.job.reset();
  slot.pending = -1;
  std::lock_guard lock(m_);
  --busy_;
}

}  // namespace reach::run::serve
