#include "sample/text_stream.h"

#include <algorithm>

namespace reach::run {

namespace {

// How many bytes at the end of s start a UTF-8 character that is not yet
// complete (0 when s ends on a character boundary or in invalid bytes).
size_t incomplete_utf8_tail(std::string_view s) {
  for (size_t back = 1; back <= std::min<size_t>(3, s.size()); ++back) {
    const auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

// Length of the longest suffix of s that is a proper prefix of some stop string.
size_t possible_stop_prefix(std::string_view s, const std::vector<std::string>& stops) {
  size_t best = 0;
  for (const auto& stop : stops)
    for (size_t len = std::min(s.size(), stop.size() - 1); len > best; --len)
      if (s.substr(s.size() - len) == std::string_view(stop).substr(0, len)) {
        best = len;
        break;
      }
  return best;
}

}  // namespace

TextStream::TextStream(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

std::string TextStream::release(size_t n) {
  std::string out = pending_.substr(0, n);
  pending_.erase(0, n);
  released_ += out;
  return out;
}

std::string TextStream::push(std::string_view token_bytes) {
  if (stopped_) return {};
  pending_ += token_bytes;
  // Held-back bytes are the only place a stop string can begin.
  size_t stop_at = std::string::npos;
  for (const auto& stop : stops_) stop_at = std::min(stop_at, pending_.find(stop));
  if (stop_at != std::string::npos) {
    stopped_ = true;
    std::string out = release(stop_at);
    pending_.clear();
    return out;
  }
  const size_t hold = std::max(possible_stop_prefix(pending_, stops_), incomplete_utf8_tail(pending_));
  return release(pending_.size() - hold);
}

std::string TextStream::finish() {
  if (stopped_) return {};
  return release(pending_.size());
}

}  // namespace reach::run
