#include "serve/engine.h"

#include <algorithm>
#include <set>

#include "sample/text_stream.h"

namespace reach::run::serve {

bool Job::next(std::string& text) {
  std::unique_lock lock(m_);
  cv_.wait(lock, [&] { return !pieces_.empty() || done_; });
  if (pieces_.empty()) return false;
  text = std::move(pieces_.front());
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

void Job::emit(std::string text) {
  {
    std::lock_guard lock(m_);
    pieces_.push_back(std::move(text));
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

Engine::Engine(Model& model, const Tokenizer& tokenizer, std::vector<int32_t> eos_ids, int64_t positions,
               size_t queue_limit)
    : model_(model), tokenizer_(tokenizer), eos_(std::move(eos_ids)), cache_(model.make_cache(positions)),
      queue_limit_(queue_limit), worker_([this] { work(); }) {}

Engine::~Engine() {
  shut_down();
  worker_.join();
}

bool Engine::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(m_);
    if (stopping_ || queue_.size() >= queue_limit_ + (busy_ ? 0 : 1)) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
  return true;
}

Engine::Load Engine::load() {
  std::lock_guard lock(m_);
  return {busy_ ? 0 : 1, static_cast<int>(queue_.size())};
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

void Engine::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    run(*job);
    std::lock_guard lock(m_);
    busy_ = false;
  }
}

// What the cache holds of `prompt` stays; at least one token is fed again.
size_t Engine::reuse_prefix(const std::vector<int32_t>& prompt) {
  size_t keep = 0;
  while (keep < cached_.size() && keep + 1 < prompt.size() && cached_[keep] == prompt[keep]) ++keep;
  cache_.truncate(static_cast<int64_t>(keep));
  cached_.resize(keep);
  return keep;
}

void Engine::run(Job& job) {
  const std::set<int32_t> eos(eos_.begin(), eos_.end());
  const size_t keep = reuse_prefix(job.prompt);
  std::span<const int32_t> feed = std::span(job.prompt).subspan(keep);
  Sampler sampler(job.sampling);
  TextStream stream(job.stops);
  std::vector<int32_t> history = job.prompt;
  std::vector<float> logits;
  {
    const auto out = model_.forward(feed, cache_);
    logits.assign(out.begin(), out.end());
  }
  cached_ = job.prompt;
  int64_t generated = 0;
  std::string reason = "length";
  for (;;) {
    bool stopping;
    {
      std::lock_guard lock(m_);
      stopping = stopping_;
    }
    if (job.cancelled() || stopping) { reason = "stop"; break; }
    if (generated == job.max_tokens) break;
    const int32_t next = sampler.sample(logits, history);
    if (eos.count(next)) { reason = "stop"; break; }
    ++generated;
    history.push_back(next);
    if (!tokenizer_.is_special(next))
      if (std::string text = stream.push(tokenizer_.token_bytes(next)); !text.empty()) job.emit(std::move(text));
    if (stream.stopped()) { reason = "stop"; break; }
    if (generated == job.max_tokens || cache_.length() == cache_.capacity()) break;
    const auto out = model_.forward({&next, 1}, cache_);
    logits.assign(out.begin(), out.end());
    cached_.push_back(next);
  }
  if (std::string tail = stream.finish(); !tail.empty()) job.emit(std::move(tail));
  job.finish(reason, generated);
}

}  // namespace reach::run::serve
