#include "tokenizer/bpe.h"

#include <queue>

namespace reach::run {
namespace {

struct Node {
  BpeSymbol sym;
  int32_t prev, next;  // indices into the node list, -1 at the ends
};

struct Candidate {
  double priority;       // lower merges first: the rank, or minus the score
  int32_t left, right;   // node indices
  uint32_t length;       // bytes covered when queued; a mismatch later means stale
  int32_t merged_id;
  bool operator>(const Candidate& o) const {
    return priority != o.priority ? priority > o.priority : left > o.left;
  }
};

}  // namespace

std::vector<BpeSymbol> bpe_merge(const BpeVocab& vocab, std::string_view word, std::vector<BpeSymbol> symbols) {
  const int32_t n = static_cast<int32_t>(symbols.size());
  if (n < 2) return symbols;
  std::vector<Node> nodes(n);
  for (int32_t i = 0; i < n; ++i) nodes[i] = {symbols[i], i - 1, i + 1 < n ? i + 1 : -1};

  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const bool ranked = !vocab.merges.empty();
  auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const BpeSymbol& a = nodes[left].sym;
    const BpeSymbol& b = nodes[right].sym;
    const uint32_t length = a.length + b.length;
    if (ranked) {
      if (a.id < 0 || b.id < 0) return;
      auto it = vocab.merges.find(BpeVocab::pair_key(a.id, b.id));
      if (it == vocab.merges.end()) return;
      queue.push({static_cast<double>(it->second.first), left, right, length, it->second.second});
    } else {
      const int32_t id = vocab.find(word.substr(a.begin, length));
      if (id < 0) return;
      const double score = id < static_cast<int32_t>(vocab.scores.size()) ? vocab.scores[id] : 0.0;
      queue.push({-score, left, right, length, id});
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i, i + 1);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Node& left = nodes[c.left];
    Node& right = nodes[c.right];
    // Stale: one side was merged away or grew since this pair was queued.
    if (left.sym.length == 0 || right.sym.length == 0 || left.next != c.right ||
        left.sym.length + right.sym.length != c.length)
      continue;
    left.sym.length = c.length;
    left.sym.id = c.merged_id;
    right.sym.length = 0;
    left.next = right.next;
    if (right.next >= 0) nodes[right.next].prev = c.left;
    consider(left.prev, c.left);
    consider(c.left, left.next);
  }

  std::vector<BpeSymbol> out;
  for (int32_t i = 0; i >= 0; i = nodes[i].next) out.push_back(nodes[i].sym);
  return out;
}

}  // namespace reach::run
