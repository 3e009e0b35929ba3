#include "tokenizer/pretokenize.h"

#include "tokenizer/unicode.h"

namespace reach::run {
namespace {

constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt2Regex = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// The text as code points with a sentinel past the end, so lookahead needs
// no bounds checks: kEnd is in no class and is not whitespace.
class Cursor {
 public:
  static constexpr uint32_t kEnd = 0xFFFFFFFF;
  explicit Cursor(std::string_view text) : cps_(unicode::decode_utf8(text)), size_(text.size()) {}
  size_t size() const { return cps_.size(); }
  uint32_t at(size_t i) const { return i < cps_.size() ? cps_[i].cp : kEnd; }
  size_t byte_offset(size_t i) const { return i < cps_.size() ? cps_[i].offset : size_; }
  bool letter(size_t i) const { return unicode::is_letter(at(i)); }
  bool number(size_t i) const { return unicode::is_number(at(i)); }
  bool space(size_t i) const { return unicode::is_whitespace(at(i)); }
  // [^\s\p{L}\p{N}]: anything else that exists.
  bool other(size_t i) const { return at(i) != kEnd && !space(i) && !letter(i) && !number(i); }
  bool newline(size_t i) const { return at(i) == '\r' || at(i) == '\n'; }

 private:
  std::vector<unicode::CodePoint> cps_;
  size_t size_;
};

uint32_t ascii_lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// 's 't 're 've 'm 'll 'd at i: the match length in code points, or 0.
size_t contraction(const Cursor& c, size_t i, bool ignore_case) {
  if (c.at(i) != '\'') return 0;
  auto lower = [&](size_t k) { return ignore_case ? ascii_lower(c.at(k)) : c.at(k); };
  const uint32_t a = lower(i + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  const uint32_t b = lower(i + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// \s+(?!\S)|\s+ at i (whitespace known): keeps the last space for the next
// word unless the run ends the text.
size_t trailing_whitespace(const Cursor& c, size_t i) {
  size_t n = 0;
  while (c.space(i + n)) ++n;
  if (n > 1 && i + n < c.size()) return n - 1;
  return n;
}

size_t match_gpt2(const Cursor& c, size_t i) {
  if (size_t n = contraction(c, i, false)) return n;
  const size_t s = c.at(i) == ' ' ? 1 : 0;  // the optional leading space
  size_t n = s;
  if (c.letter(i + s)) { while (c.letter(i + n)) ++n; return n; }
  if (c.number(i + s)) { while (c.number(i + n)) ++n; return n; }
  if (c.other(i + s)) { while (c.other(i + n)) ++n; return n; }
  if (c.space(i)) return trailing_whitespace(c, i);
  return 1;
}

size_t match_llama3(const Cursor& c, size_t i, size_t max_digits) {
  if (size_t n = contraction(c, i, true)) return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c.letter(i)) { size_t n = 1; while (c.letter(i + n)) ++n; return n; }
  if (!c.newline(i) && !c.number(i) && c.letter(i + 1)) { size_t n = 2; while (c.letter(i + n)) ++n; return n; }
  // \p{N}{1,3} (Qwen: \p{N})
  if (c.number(i)) { size_t n = 1; while (n < max_digits && c.number(i + n)) ++n; return n; }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  const size_t s = c.at(i) == ' ' ? 1 : 0;
  if (c.other(i + s)) {
    size_t n = s + 1;
    while (c.other(i + n)) ++n;
    while (c.newline(i + n)) ++n;
    return n;
  }
  if (c.space(i)) {
    // \s*[\r\n]+ : the whitespace run up to and including its last newline.
    size_t run = 0, through_newline = 0;
    while (c.space(i + run)) { if (c.newline(i + run)) through_newline = run + 1; ++run; }
    if (through_newline > 0) return through_newline;
    return trailing_whitespace(c, i);
  }
  return 1;  // an invalid byte or unassigned point matching nothing: its own word
}

}  // namespace

std::optional<PreTokenizer> pre_tokenizer_from_regex(std::string_view regex) {
  if (regex == kLlama3Regex) return PreTokenizer::kLlama3;
  if (regex == kQwen2Regex) return PreTokenizer::kQwen2;
  if (regex == kGpt2Regex) return PreTokenizer::kGpt2;
  return std::nullopt;
}

std::optional<PreTokenizer> pre_tokenizer_from_gguf_name(std::string_view name) {
  // The names llama.cpp maps onto these three regexes. Its "default" is a
  // different, multi-regex split, so it is not accepted for GPT-2's.
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3" || name == "smaug-bpe") return PreTokenizer::kLlama3;
  if (name == "qwen2" || name == "deepseek-r1-qwen") return PreTokenizer::kQwen2;
  if (name == "gpt-2" || name == "phi-2") return PreTokenizer::kGpt2;
  return std::nullopt;
}

std::vector<std::string_view> pre_tokenize(PreTokenizer kind, std::string_view text) {
  const Cursor c(text);
  std::vector<std::string_view> words;
  for (size_t i = 0; i < c.size();) {
    size_t n = 1;
    switch (kind) {
      case PreTokenizer::kGpt2: n = match_gpt2(c, i); break;
      case PreTokenizer::kLlama3: n = match_llama3(c, i, 3); break;
      case PreTokenizer::kQwen2: n = match_llama3(c, i, 1); break;
    }
    const size_t begin = c.byte_offset(i), end = c.byte_offset(i + n);
    words.push_back(text.substr(begin, end - begin));
    i += n;
  }
  return words;
}

}  // namespace reach::run
