#include "kernels/stream_read.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace reach::run {
namespace {

// The plain definition: XOR of each span's 8-byte words from its start, a
// last partial word padded with zero bytes.
uint64_t plain_xor(std::span<const std::span<const std::byte>> spans) {
  uint64_t x = 0;
  for (std::span<const std::byte> s : spans)
    for (size_t i = 0; i < s.size(); i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, s.data() + i, std::min<size_t>(8, s.size() - i));
      x ^= word;
    }
  return x;
}

// Every byte is read once, whatever the span's size and alignment, the
// thread count and the prefetch: a line read twice or left out, or a tail
// dropped, changes the XOR (the bytes are random).
TEST(StreamRead, ReadsEveryByteOnceWithEveryPattern) {
  std::vector<std::byte> memory(3 << 20);
  std::mt19937 rng(7);
  for (std::byte& b : memory) b = static_cast<std::byte>(rng());
  const std::vector<std::span<const std::byte>> spans = {
      {memory.data() + 3, 1},          {memory.data() + 100, 63},  {memory.data() + 256, 64},
      {memory.data() + 1001, 65},      {memory.data() + 4096, 0},  {memory.data() + 9, (1 << 20) + 13},
      {memory.data() + (1 << 21), 1 << 20}};
  const uint64_t expected = plain_xor(spans);
  ASSERT_NE(expected, 0u);
  const std::vector<ReadPattern> patterns = read_patterns({{2048, 5120, false}});
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const ReadPattern& p : patterns) EXPECT_EQ(stream_read(spans, p.ahead, pool), expected) << p.name;
    for (const auto& s : spans) EXPECT_EQ(stream_read({&s, 1}, {0, 0, false}, pool), plain_xor({&s, 1}));
  }
}

// The fixed patterns, then each decode choice not among them, once.
TEST(StreamRead, PatternsAreTheFixedOnesThenEachDecodeChoiceOnce) {
  const std::vector<ReadPattern> with_new = read_patterns({{2048, 5120, false}, {0, 9216, true}, {2048, 5120, false}});
  std::vector<std::string> names;
  for (const ReadPattern& p : with_new) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"no prefetch", "prefetcht0 1024 B", "prefetcht0 2560 B",
                                             "prefetcht0 4096 B", "prefetcht0 5120 B", "prefetchnta 6144 B",
                                             "prefetchnta 9216 B", "prefetchnta 12288 B", "prefetchnta 16384 B",
                                             "prefetcht0 2048 B + prefetcht1 5120 B"}));
  EXPECT_EQ(read_patterns({}).size(), 9u);
  EXPECT_EQ(read_patterns({{0, 9216, false}}).back().name, "prefetcht1 9216 B");  // not the nta one
}

}  // namespace
}  // namespace reach::run
