#pragma once
// String helpers with JavaScript's rules, since the reference renderer is
// JavaScript: whitespace is Unicode's (\s), lengths count UTF-16 units,
// case changes map ASCII letters only (a documented difference: the
// reference maps every script), and indexing counts code points.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reach::run::jinja {

std::string trim(std::string_view s, bool left = true, bool right = true);
std::string ascii_upper(std::string s);
std::string ascii_lower(std::string s);
std::string title_case(std::string s);   // each word's first letter upper, the rest as it is
size_t utf16_length(std::string_view s);
std::vector<std::string> characters(std::string_view s);  // one string per code point
// Python's str.split: on runs of whitespace when `sep` is null, else on
// `sep` exactly; at most `maxsplit` splits (-1: all).
std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count);

}  // namespace reach::run::jinja
