#include "chat/jinja_strings.h"

#include <cctype>

#include "tokenizer/unicode.h"

namespace reach::run::jinja {

std::string trim(std::string_view s, bool left, bool right) {
  auto cps = unicode::decode_utf8(s);
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && unicode::is_whitespace(cps[b].cp)) ++b;
  if (right)
    while (e > b && unicode::is_whitespace(cps[e - 1].cp)) --e;
  if (b == e) return {};
  return std::string(s.substr(cps[b].offset, cps[e - 1].offset + cps[e - 1].length - cps[b].offset));
}

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return s;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

std::string title_case(std::string s) {  // JavaScript's /\b\w/g: \w is [A-Za-z0-9_]
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i < s.size(); ++i)
    if (word(s[i]) && (i == 0 || !word(s[i - 1])) && s[i] >= 'a' && s[i] <= 'z') s[i] = char(s[i] - 'a' + 'A');
  return s;
}

size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (const auto& c : unicode::decode_utf8(s)) n += (c.cp >= 0x10000 && c.cp < unicode::kInvalidByteBase) ? 2 : 1;
  return n;
}

std::vector<std::string> characters(std::string_view s) {
  std::vector<std::string> out;
  for (const auto& c : unicode::decode_utf8(s)) out.emplace_back(s.substr(c.offset, c.length));
  return out;
}

std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t from = 0;
    for (size_t at; (maxsplit < 0 || int64_t(out.size()) < maxsplit) && (at = s.find(*sep, from)) != s.npos;
         from = at + sep->size())
      out.emplace_back(s.substr(from, at - from));
    out.emplace_back(s.substr(from));
    return out;
  }
  std::string text = trim(s, true, false);
  auto cps = unicode::decode_utf8(text);
  size_t i = 0;
  while (i < cps.size()) {
    if (maxsplit >= 0 && int64_t(out.size()) >= maxsplit) {
      out.push_back(text.substr(cps[i].offset));
      break;
    }
    size_t b = i;
    while (i < cps.size() && !unicode::is_whitespace(cps[i].cp)) ++i;
    size_t end = i < cps.size() ? cps[i].offset : text.size();
    out.push_back(text.substr(cps[b].offset, end - cps[b].offset));
    while (i < cps.size() && unicode::is_whitespace(cps[i].cp)) ++i;
  }
  return out;
}

std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {  // between every character, and at both ends
    auto chars = characters(s);
    for (size_t i = 0; i <= chars.size(); ++i) {
      if (count < 0 || int64_t(i) < count) out += to;
      if (i < chars.size()) out += chars[i];
    }
    return out;
  }
  size_t at = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t hit = s.find(from, at);
    if (hit == s.npos) break;
    out.append(s.substr(at, hit - at)).append(to);
    at = hit + from.size();
  }
  return out.append(s.substr(at));
}

}  // namespace reach::run::jinja
