#include "tokenizer/unicode.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace reach::run::unicode {
namespace tables = unicode_tables;

size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

std::vector<CodePoint> decode_utf8(std::string_view text) {
  std::vector<CodePoint> out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0, n = text.size();
  while (i < n) {
    const unsigned char lead = s[i];
    const size_t len = utf8_sequence_length(lead);
    uint32_t cp = kInvalidByteBase + lead;
    bool valid = lead < 0x80;
    if (!valid && len > 1 && i + len <= n) {
      uint32_t v = lead & (0xFF >> (len + 1));
      valid = true;
      for (size_t k = 1; k < len; ++k) {
        if ((s[i + k] & 0xC0) != 0x80) { valid = false; break; }
        v = (v << 6) | (s[i + k] & 0x3F);
      }
      // Reject overlong forms, surrogates and values past U+10FFFF.
      static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))) valid = false;
      if (valid) cp = v;
    }
    if (lead < 0x80) cp = lead;
    const uint32_t used = valid ? static_cast<uint32_t>(len) : 1;
    out.push_back({cp, static_cast<uint32_t>(i), used});
    i += used;
  }
  return out;
}

std::vector<uint32_t> code_points(std::string_view text) {
  std::vector<uint32_t> out;
  for (const CodePoint& c : decode_utf8(text)) out.push_back(c.cp);
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp >= kInvalidByteBase) {
    out.push_back(static_cast<char>(cp - kInvalidByteBase));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(const std::vector<uint32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (uint32_t cp : cps) append_utf8(out, cp);
  return out;
}

namespace {

tables::CategoryClass category(uint32_t cp) {
  if (cp < 0x80) {  // fast path for ASCII
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return tables::kLetter;
    if (cp >= '0' && cp <= '9') return tables::kNumber;
    return tables::kOther;
  }
  const auto* begin = tables::kCategoryRanges;
  const auto* end = begin + tables::kCategoryRangeCount;
  const auto* it = std::upper_bound(begin, end, cp, [](uint32_t v, const tables::CategoryRange& r) { return v < r.first; });
  if (it == begin) return tables::kOther;
  --it;
  return cp <= it->last ? it->cls : tables::kOther;
}

}  // namespace

bool is_letter(uint32_t cp) { return category(cp) == tables::kLetter; }
bool is_number(uint32_t cp) { return category(cp) == tables::kNumber; }

bool is_whitespace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

uint8_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  const auto* begin = tables::kCombiningRanges;
  const auto* end = begin + tables::kCombiningRangeCount;
  const auto* it = std::upper_bound(begin, end, cp, [](uint32_t v, const tables::CombiningRange& r) { return v < r.first; });
  if (it == begin) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

namespace {

// Hangul syllables are composed arithmetically (Unicode 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto* begin = tables::kDecompositions;
  const auto* end = begin + tables::kDecompositionCount;
  const auto* it = std::lower_bound(begin, end, cp, [](const tables::Decomposition& d, uint32_t v) { return d.cp < v; });
  if (cp < kInvalidByteBase && it != end && it->cp == cp) {
    decompose(it->first, out);
    if (it->second != 0) decompose(it->second, out);
    return;
  }
  out.push_back(cp);
}

// 0 when the pair does not compose.
uint32_t compose(uint32_t first, uint32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount)
    return first + (second - kTBase);
  const auto* begin = tables::kCompositions;
  const auto* end = begin + tables::kCompositionCount;
  const auto* it = std::lower_bound(begin, end, std::pair{first, second}, [](const tables::Composition& c, std::pair<uint32_t, uint32_t> v) {
    return c.first != v.first ? c.first < v.first : c.second < v.second;
  });
  return (it != end && it->first == first && it->second == second) ? it->composite : 0;
}

}  // namespace

std::string nfc(std::string_view text) {
  // ASCII is always in NFC; so is most text, but checking costs as much as doing.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(text);

  std::vector<uint32_t> cps;
  for (const CodePoint& c : decode_utf8(text)) decompose(c.cp, cps);

  // Canonical ordering: stable sort of each run of non-starters by class.
  for (size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) { ++i; continue; }
    size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + i, cps.begin() + j,
                     [](uint32_t a, uint32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }

  // Canonical composition: each character joins the last starter unless a
  // character of equal or higher class (or a starter) sits between them.
  std::vector<uint32_t> out;
  out.reserve(cps.size());
  size_t starter = SIZE_MAX;
  int last_class = -1;
  for (uint32_t cp : cps) {
    const int cls = combining_class(cp);
    if (starter != SIZE_MAX && (last_class < cls || (last_class == 0 && out.size() == starter + 1))) {
      if (uint32_t c = compose(out[starter], cp)) {
        out[starter] = c;
        continue;
      }
    }
    if (cls == 0) starter = out.size();
    last_class = cls;
    out.push_back(cp);
  }
  return encode_utf8(out);
}

}  // namespace reach::run::unicode
