#pragma once
// Q8_0, Q4_0 and K-quant (Q2_K to Q6_K) weights repacked into row groups,
// and their products with activations quantized to Q8_0 (the K-quants: to
// Q8_K).
// matmul.cpp is the only user. (The K-quants' layouts and arithmetic:
// row_groups_layout.h, row_groups_k.cpp and row_groups_k_kernel.h; the rest
// of this comment is about Q8_0/Q4_0.)
//
// Why repack: in ggml's layout one 32-element block of one row is 18 or 34
// bytes, so an AVX2 dot product spends ~19 instructions per block on
// unpacking, sign moves and a horizontal sum, and decode on two cores is
// bound by instructions, not by memory. Here eight consecutive rows form a
// group, stored block by block so that 32-bit lane r of every vector belongs
// to row r: one broadcast of four activation bytes then serves eight rows,
// the eight results land in the eight lanes of one accumulator (no
// horizontal sum) and eight scales are one F16 conversion. The bytes per
// block are ggml's (Q4_0 18, Q8_0 34), so a decode step reads exactly what
// the file holds.
//
// Layout of group g (rows 8g..8g+7; missing rows of the last group are
// zeros with scale 0), `blocks` = cols / 32, in superblocks of four blocks
// (the last may hold fewer) so that a group is one sequential stream whose
// every load is aligned:
//   superblock: scales[4 blocks][8 rows]       F16, one cache line
//               quants[4 blocks][...]
//   Q4_0 quants of a block: [4][8 rows][4 bytes]  bytes 4j..4j+3 of each
//                                                 row's 16 nibble bytes
//   Q8_0 quants of a block: [8][8 rows][4 bytes]  quants 4k..4k+3
// (measured from memory, 2 threads: Q4_0 30.2 GiB/s this way against 26.8
// with a group's scales stored apart from its quants).
// Groups follow one another; each is a whole number of cache lines.
//
// Arithmetic, per row and token, identical in GEMV and GEMM (so prefill gives
// decode's bits): for each block in order, the exact integer dot product s
// of the weight's and the activation's quants, then
//   acc = fma(d_w · d_x, float(s), acc).
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/tensor.h"
#include "kernels/cpu_features.h"
#include "kernels/quant.h"
#include "kernels/thread_pool.h"

namespace reach::run::row_groups {

// Q8_0/Q4_0 rows longer than panel_columns are packed and multiplied as
// column panels of at most that many columns (row_groups_layout.h's Panels;
// 0: whole rows); the K-quants' rows are always whole. The three calls of
// one matrix must be given the same panel_columns.

// Bytes the packed form of W (Q8_0, Q4_0 or a K-quant, {rows, cols}) takes.
size_t packed_bytes(const TensorView& w, int64_t panel_columns);
// Writes W's packed form to `out` (packed_bytes(w) bytes, 64-byte aligned).
// `isa`: the variant that will multiply it (Q2_K's and Q3_K's layout depends
// on it, row_groups_layout.h).
void pack(const TensorView& w, std::byte* out, ThreadPool& pool, int64_t panel_columns, Isa isa);

// One of the products of an activation X: packed W {rows, cols} and where
// Y[n, rows] goes.
struct Product {
  DType type;
  const std::byte* packed;
  int64_t rows;
  float* y;
};

// Whether products of types a and b read the same quantized activation and
// can share one call of multiply: both Q8_0/Q4_0 (X in Q8_0) or both
// K-quants (X in Q8_K).
bool share_activation(DType a, DType b);

// Y_i[n, rows_i] = X[n, cols] · W_iᵀ for every product i, each row of X
// quantized once for all of them (to Q8_0, the K-quants to Q8_K); n = 1 is
// decode's GEMV. The products' row groups form one range that the threads
// split, so several products (decode's q, k and v; gate and up) cost one
// hand-off to the workers and one wait for them, not one each. The types
// must share their activation (share_activation). `isa` picks the kernel's
// instruction-set variant (row_groups_kernel.h); all give the same bits,
// with or without panels, one product per call or several.
void multiply(std::span<const Product> products, int64_t cols, const float* x, int64_t n, Isa isa, ThreadPool& pool,
              int64_t panel_columns);

}  // namespace reach::run::row_groups
