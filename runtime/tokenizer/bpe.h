#pragma once
// The BPE merge loop shared by every tokenizer family. A word starts as a
// row of symbols (bytes or characters, each a token id or -1 when the
// vocabulary lacks it); the best-ranked adjacent pair is merged until no
// pair can merge. "Best" is either
//   - the lowest merge rank (tokenizer.json, GGUF "gpt2": an explicit merge list), or
//   - the highest score of the merged token (GGUF "llama": SentencePiece scores),
// ties going to the leftmost pair. Symbols form a linked list and candidate
// pairs a heap, so a word of n symbols costs O(n log n), not O(n^2).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reach::run {

// Lets the token map be searched with a string_view, without building a string.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct BpeVocab {
  std::vector<std::string> tokens;                                        // id -> token text (as the vocabulary spells it)
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> ids;  // token text -> id
  // Ranked merges: (left id, right id) -> (rank, merged id). Empty when scored.
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::vector<float> scores;                           // id -> score; used when merges is empty

  int32_t find(std::string_view text) const {
    auto it = ids.find(text);
    return it == ids.end() ? -1 : it->second;
  }
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
};

struct BpeSymbol {
  uint32_t begin, length;  // bytes of the word this symbol covers
  int32_t id;              // token id, -1 when not in the vocabulary
};

// Merges symbols (which cover `word` left to right, without gaps) and
// returns the surviving symbols.
std::vector<BpeSymbol> bpe_merge(const BpeVocab& vocab, std::string_view word, std::vector<BpeSymbol> symbols);

}  // namespace reach::run
