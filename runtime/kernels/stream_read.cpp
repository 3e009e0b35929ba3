#include "kernels/stream_read.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kernels/prefetch_ahead.h"

namespace reach::run {

namespace {

constexpr int64_t kLine = 64;
constexpr int64_t kLinesPerPiece = 256;  // the pool's grain: 16 KiB

std::string name_of(Ahead a) {
  if (a.l1 == 0 && a.l2 == 0) return "no prefetch";
  std::string name;
  if (a.l1 != 0) name = "prefetcht0 " + std::to_string(a.l1) + " B";
  if (a.l2 != 0)
    name += std::string(name.empty() ? "" : " + ") + (a.l2_nta ? "prefetchnta " : "prefetcht1 ") +
            std::to_string(a.l2) + " B";
  return name;
}

bool same(Ahead a, Ahead b) { return a.l1 == b.l1 && a.l2 == b.l2 && (a.l2 == 0 || a.l2_nta == b.l2_nta); }

// XOR of the 8-byte words of lines [begin, end) of `p`.
uint64_t read_lines(const std::byte* p, int64_t begin, int64_t end, Ahead ahead) {
  __m256i x0 = _mm256_setzero_si256(), x1 = _mm256_setzero_si256();
  for (int64_t i = begin; i < end; ++i) {
    const char* line = reinterpret_cast<const char*>(p) + i * kLine;
    prefetch_lines_ahead(line, ahead);
    x0 = _mm256_xor_si256(x0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(line)));
    x1 = _mm256_xor_si256(x1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(line + 32)));
  }
  alignas(32) uint64_t words[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(words), _mm256_xor_si256(x0, x1));
  return words[0] ^ words[1] ^ words[2] ^ words[3];
}

// XOR of the 8-byte words of `bytes` bytes at `p`, the last one padded.
uint64_t read_tail(const std::byte* p, size_t bytes) {
  uint64_t x = 0;
  for (size_t i = 0; i < bytes; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, p + i, std::min<size_t>(8, bytes - i));
    x ^= word;
  }
  return x;
}

}  // namespace

std::vector<ReadPattern> read_patterns(const std::vector<Ahead>& decode_choices) {
  std::vector<Ahead> all = {{0, 0, false},   {1024, 0, false}, {2560, 0, false},  {4096, 0, false},  {5120, 0, false},
                            {0, 6144, true}, {0, 9216, true},  {0, 12288, true}, {0, 16384, true}};
  all.insert(all.end(), decode_choices.begin(), decode_choices.end());
  std::vector<ReadPattern> patterns;
  for (Ahead a : all)
    if (std::none_of(patterns.begin(), patterns.end(), [&](const ReadPattern& p) { return same(p.ahead, a); }))
      patterns.push_back({a, name_of(a)});
  return patterns;
}

uint64_t stream_read(std::span<const std::span<const std::byte>> spans, Ahead ahead, ThreadPool& pool) {
  std::atomic<uint64_t> sum{0};
  for (std::span<const std::byte> s : spans) {
    const int64_t lines = static_cast<int64_t>(s.size()) / kLine;
    if (lines > 0)
      pool.parallel_for(lines, kLinesPerPiece, [&](int64_t begin, int64_t end) {
        sum.fetch_xor(read_lines(s.data(), begin, end, ahead), std::memory_order_relaxed);
      });
    sum.fetch_xor(read_tail(s.data() + lines * kLine, s.size() - static_cast<size_t>(lines * kLine)),
                  std::memory_order_relaxed);
  }
  return sum.load();
}

}  // namespace reach::run
