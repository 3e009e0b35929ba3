#pragma once
// The row-group layout (row_groups.h) and the job the ISA variants of its
// kernel run: shared by row_groups.cpp, which packs and dispatches, and the
// variant files row_groups_<isa>.cpp, each compiled for its instruction set.
//
// Everything here has internal linkage on purpose. A function with external
// linkage defined in a header (an inline one, a template) is compiled into
// every variant's object with that variant's flags, and the linker keeps
// one copy for all: an AVX2-only CPU could end up in code compiled for
// AVX-512. Hence no std:: containers in the job either, only pointers.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/tensor.h"
#include "kernels/q8_k.h"
#include "kernels/cpu_features.h"
#include "kernels/quant.h"
#include "kernels/row_groups.h"
#include "kernels/thread_pool.h"

namespace reach::run::row_groups {
namespace {

constexpr int64_t kRows = 8;

// Groups of a matrix of `rows` rows (the last may be short).
constexpr int64_t group_count(int64_t rows) { return (rows + kRows - 1) / kRows; }

// Blocks whose scales share one cache line (from memory, 2 threads: 8
// blocks measured Q8_0 / Q4_0 29 / 29 GiB/s, 4 blocks 32 / 30.5, 2 blocks 32.4 / 30).
constexpr int64_t kSuperblock = 4;

// The quants of one block of a group's 8 rows.
constexpr int64_t quant_bytes(DType type) { return type == DType::Q4_0 ? 128 : 256; }

// Where block b of a group lives: superblocks of 64 bytes of scales, then
// those blocks' quants.
struct GroupLayout {
  int64_t quant_bytes;
  explicit constexpr GroupLayout(DType type) : quant_bytes(row_groups::quant_bytes(type)) {}
  constexpr int64_t superblock(int64_t b) const { return b / kSuperblock * (64 + kSuperblock * quant_bytes); }
  constexpr int64_t scales(int64_t b) const { return superblock(b) + 16 * (b % kSuperblock); }
  constexpr int64_t quants(int64_t b) const { return superblock(b) + 64 + quant_bytes * (b % kSuperblock); }
  constexpr int64_t group_bytes(int64_t blocks) const {
    const int64_t tail = blocks % kSuperblock;
    return superblock(blocks) + (tail ? 64 + tail * quant_bytes : 0);
  }
};

// Column panels. A matrix whose rows are longer than a panel is packed and
// multiplied as panels of whole blocks, side by side: panel p holds blocks
// [begin, begin + size) of every row, its groups one after another as a
// matrix of its own, and a product passes over panel after panel, each row's
// float accumulator carried from one to the next in y (the same steps in the
// same order: the same bits as one pass). Why: each group pass re-reads the
// activation's quants of its columns, and on Zen 5 decode from memory slows
// once they outgrow about 2 KiB (Q4_0 {2048 rows, 5632 columns}, 2 threads:
// 39 GiB/s where {5632, 2048}, the same bytes, reads 47; docs/runtime.md).
// Panels are a whole number of superblocks wide, as even as that allows.
struct Panels {
  int64_t blocks;  // a row's
  int64_t width;   // blocks per panel, the last one excepted
  // max_blocks <= 0: one panel, the whole row.
  constexpr Panels(int64_t row_blocks, int64_t max_blocks) : blocks(row_blocks), width(row_blocks) {
    if (max_blocks <= 0 || row_blocks <= max_blocks) return;
    const int64_t limit = max_blocks < kSuperblock ? kSuperblock : max_blocks / kSuperblock * kSuperblock;
    const int64_t count = (row_blocks + limit - 1) / limit;
    width = ((row_blocks + count - 1) / count + kSuperblock - 1) / kSuperblock * kSuperblock;
  }
  constexpr int64_t count() const { return (blocks + width - 1) / width; }
  constexpr int64_t begin(int64_t p) const { return p * width; }
  constexpr int64_t size(int64_t p) const { return p + 1 < count() ? width : blocks - p * width; }
};

// K-quant groups: per super-block (256 columns) the file's bytes of the
// group's 8 rows, rearranged so that 32-bit lane r of every vector is row r.
// Q4_K, 8 × 144 bytes in 18 lines:
//   line 0:  d[8 rows] F16, dmin[8] F16, scale word 0 [8] u32
//   line 1:  scale words 1 and 2 [8] u32 (the 12 packed 6-bit scale bytes of
//            each row, as ggml's get_scale_min_k4 reads them, as 3 words)
//   16 lines of quants: sub-block pair i (elements 64i..64i+63) as
//            [8 vectors k][8 rows][4 bytes qs[32i + 4k ..]]: low nibbles are
//            elements 64i + 4k.., high ones 64i + 32 + 4k..
// Q5_K, 8 × 176 bytes in 22 lines: Q4_K's, with the codes' fifth bits
// between the header and the quants:
//   lines 0-1: as Q4_K's
//   4 lines of fifth bits: [8 vectors k][8 rows][4 bytes qh[4k ..]]: bit g
//            of a byte is the fifth bit of the element that sub-block g has
//            in the same byte of vector k (ggml: element 32g + l takes bit g
//            of qh[l])
//   16 lines of quants: as Q4_K's
// Q6_K, 8 × 210 bytes (not whole lines: loads are unaligned):
//   d[8 rows] F16, then scales as [4 vectors q][8 rows][scales 4q..4q+3] i8
//   (a row's four scales in its lane)                            144 bytes
//   for each half h (elements 128h..), for each k < 8, three vectors of
//   [8 rows][4 bytes]: ql[64h + 4k ..], ql[64h + 32 + 4k ..], qh[32h + 4k ..]
//   (they hold elements 128h + 32g' + 4k .. for g' = 0..3, as ggml's
//   dequantize_row_q6_K combines them)                          1536 bytes
// Q2_K, 8 × 84 bytes (not whole lines: loads are unaligned), and Q3_K,
// 8 × 110 + 16 (14 lines), whose codes' low two bits are packed alike
// (ggml: element 128h + 32s + l takes bits 2s of qs[32h + l]):
//   Q2_K header: d[8 rows] F16, dmin[8] F16, then the 16 scale bytes as
//            [4 vectors q][8 rows][scales 4q..4q+3] (scale in each low
//            nibble, minimum in the high one)                   160 bytes
//   Q3_K header: d[8 rows] F16, then each row's 12 packed 6-bit scale
//            bytes as 3 words, [3 words][8 rows] u32, then 16 bytes
//            of padding, so that every unit after it starts a line
//            (with a 112-byte header each 64-byte load of AVX-512's
//            decode crossed two lines: reach-gemv-bench, Q3_K, one thread
//            in cache, 31.5-32.8 -> 36.7-38.7 GiB/s; decode of the Q3_K_M
//            file faster in 10 of 11 pairs, tg128 +3.8%; 1.8% more
//            memory. Q2_K's 160-byte header padded to 192 gained about
//            1% in cache for 4.8% more bytes: not padded)    128 bytes
//   then for each vector k < 8 a unit: (Q3_K only: [8 rows][4 bytes
//   hmask[4k ..]],) [8 rows][4 bytes qs[4k ..]], [8 rows][4 bytes
//   qs[32 + 4k ..]]: byte j of a row's lane in the unit's qs vector h holds,
//   at bits 2s, element 32(4h + s) + 4k + j, whose third bit (Q3_K) is bit
//   kQ3KThirdBitAt[4h + s] of hmask byte j (bit 4h + s in ggml's; moved
//   so AVX-512's decode finds it beside the low bits, its comment)
//                                                    8 × 96 or 8 × 64 bytes
//   For the AVX-512 variant (k_units_paired) the units of vectors k = 2p
//   and 2p + 1 are interleaved instead, 64-byte vector by vector (the
//   hmask vectors, then qs[4k ..], then qs[32 + 4k ..]), each as [8
//   rows][2 vectors][4 bytes]: row r in 32-bit lanes 2i (vector 2p) and
//   2i + 1 (vector 2p + 1), i = kPairLaneOfRow[r]. Its decode loads them
//   as they are, where it took a vpermt2d per 64 bytes (Zen 5, in L3: Q2_K
//   10-16% faster; docs/runtime.md, session 28); its prefill's 256-bit
//   kernel takes vector 2p from the even lanes of a vector's two halves,
//   2p + 1 from the odd ones, one vshufps each, and kPairLaneOfRow (its own
//   inverse) gives it rows 0..7 in order. The 256-bit variants keep one
//   unit per vector: paired, their decode lost 13-20% (Zen 5, AVX2, in L3).
// Where a Q3_K group's hmask bytes keep the third bit of sub-block g of 32.
constexpr int kQ3KThirdBitAt[8] = {2, 4, 6, 0, 3, 5, 7, 1};
// The lanes 2i, 2i + 1 of a Q2_K/Q3_K pair of units that row r takes: i =
// kPairLaneOfRow[r] (and r = kPairLaneOfRow[i]).
constexpr int kPairLaneOfRow[8] = {0, 1, 4, 5, 2, 3, 6, 7};
// Whether the Q2_K/Q3_K units of a matrix packed for `isa` are paired.
constexpr bool k_units_paired(Isa isa) { return isa == Isa::avx512_vnni; }
constexpr int64_t kQ4KHeaderBytes = 128;
constexpr int64_t kQ5KFifthBitBytes = 256;
constexpr int64_t kQ6KHeaderBytes = 144;
constexpr int64_t kQ2KHeaderBytes = 160;
constexpr int64_t kQ3KHeaderBytes = 128;
constexpr int64_t k_super_bytes(DType type) {
  switch (type) {
    case DType::Q2_K: return kRows * 84;
    case DType::Q3_K: return kRows * 110 + 16;
    case DType::Q4_K: return kRows * 144;
    case DType::Q5_K: return kRows * 176;
    default: return kRows * 210;  // Q6_K
  }
}

}  // namespace

// One product: packed W {rows, blocks·32} times n activation rows quantized
// to Q8_0; the variants write Y[n, rows] for the groups they are given.
struct GroupJob {
  DType type;                 // Q8_0 or Q4_0
  const std::byte* packed;    // W's groups, group_stride bytes each
  size_t group_stride;
  int64_t rows, blocks, n;    // blocks: of each row in this panel (Panels)
  int64_t x_stride;           // blocks from one activation row to the next
  const BlockQ8_0* xq;        // [n][x_stride] the activation's blocks, from the panel's first
  const float* xd;            // [n][x_stride] their scales as floats
  const int32_t* xsum;        // [n][x_stride] Σq of each block
  float* y;                   // [n][rows]
  bool carry;                 // y holds the accumulators of the panels before: start from them
  Ahead ahead;                // how far ahead of each line read it prefetches (cpu_features.h)
};

// One product with packed K-quant W {rows, supers·256} and n activation
// rows quantized to Q8_K.
struct KGroupJob {
  DType type;                 // Q2_K, Q3_K, Q4_K, Q5_K or Q6_K
  const std::byte* packed;    // W's groups, group_stride bytes each
  size_t group_stride;
  int64_t rows, supers, n;
  const BlockQ8K* xq;         // [n][supers]
  const int32_t* xsum32;      // [n][supers][8] Σ of each 32 quants of xq (Q4_K's and Q5_K's minimums)
  float* y;                   // [n][rows]
  Ahead ahead;
};

namespace {
// Where group g of a job's packed W starts.
template <class Job>
const char* group_start(const Job& job, int64_t g) {
  return reinterpret_cast<const char*>(job.packed + static_cast<size_t>(g) * job.group_stride);
}
}  // namespace

namespace {
// Jobs [jobs, jobs + count) side by side as one range of row groups, which
// the pool splits: each piece runs `kernel` on the part of each job it
// covers. Grain 2: pairs of groups per task, as the AVX-512 variant's
// prefill multiplies two at once.
template <class Job, class Kernel>
void run_side_by_side(const Job* jobs, size_t count, Kernel kernel, ThreadPool& pool) {
  int64_t total = 0;
  for (size_t i = 0; i < count; ++i) total += group_count(jobs[i].rows);
  pool.parallel_for(total, 2, [&](int64_t g0, int64_t g1) {
    int64_t first = 0;  // job i's first group in the range
    for (size_t i = 0; i < count && g0 < g1; ++i) {
      const int64_t groups = group_count(jobs[i].rows);
      if (g0 < first + groups) {
        const int64_t end = g1 < first + groups ? g1 : first + groups;
        kernel(jobs[i], g0 - first, end - first);
        g0 = end;
      }
      first += groups;
    }
  });
}
}  // namespace

// K-quant groups (row_groups_k.cpp), for row_groups.cpp: bytes of one group
// of rows of `supers` super-blocks, the packing, the product.
size_t k_group_bytes(DType type, int64_t supers);
void pack_k_groups(const TensorView& w, std::byte* out, ThreadPool& pool, Isa isa);
void multiply_k(std::span<const Product> products, int64_t cols, const float* x, int64_t n, Isa isa,
                ThreadPool& pool);

// The variants: Y's columns for row groups [g0, g1). Each is bit-identical to
// the block definition in row_groups.h.
namespace avx2 {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1);
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1);
}  // namespace avx2
namespace avx_vnni {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1);
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1);
}  // namespace avx_vnni
namespace avx512_vnni {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1);
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1);
}  // namespace avx512_vnni

}  // namespace reach::run::row_groups
