// K-quant weights (Q2_K to Q6_K) in row groups: packing and the product's
// dispatch (row_groups.h is the interface, row_groups_layout.h the layout,
// row_groups_k_kernel.h the arithmetic).
#include <array>
#include <cstring>
#include <vector>

#include "formats/quant_blocks.h"
#include "kernels/row_groups_layout.h"

namespace reach::run::row_groups {

namespace {

// n activation rows quantized to Q8_K, with the sum of each 32 quants (what
// Q4_K's minimums multiply).
struct ActivationsQ8K {
  std::vector<BlockQ8K> q;      // [n][supers]
  std::vector<int32_t> sum32;   // [n][supers][8]
};

void quantize(const float* x, int64_t n, int64_t cols, ActivationsQ8K& out, ThreadPool& pool) {
  const int64_t supers = cols / 256;
  out.q.resize(static_cast<size_t>(n * supers));
  out.sum32.resize(out.q.size() * 8);
  const auto rows = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      quantize_row_q8_k(x + t * cols, out.q.data() + t * supers, cols);
      for (int64_t s = 0; s < supers; ++s) {
        const BlockQ8K& b = out.q[static_cast<size_t>(t * supers + s)];
        for (int j = 0; j < 8; ++j) out.sum32[static_cast<size_t>((t * supers + s) * 8 + j)] = b.bsums[2 * j] + b.bsums[2 * j + 1];
      }
    }
  };
  if (n == 1) rows(0, 1);
  else pool.parallel_for(n, 1, rows);
}

using KGroupsKernel = void (*)(const KGroupJob& job, int64_t g0, int64_t g1);

KGroupsKernel k_kernel_for(Isa isa) {
  switch (isa) {
    case Isa::avx2: return avx2::multiply_k_groups;
    case Isa::avx_vnni: return avx_vnni::multiply_k_groups;
    case Isa::avx512_vnni: return avx512_vnni::multiply_k_groups;
  }
  return avx2::multiply_k_groups;
}

// Row r's header and nibbles of a Q4_K or Q5_K super-block into its group's
// layout, the nibbles `quants_at` bytes in.
template <class Block>
void pack_header_and_nibbles(const Block& block, int64_t r, std::byte* super, int64_t quants_at) {
  std::memcpy(super + 2 * r, &block.d, 2);
  std::memcpy(super + 16 + 2 * r, &block.dmin, 2);
  for (int w = 0; w < 3; ++w) std::memcpy(super + 32 * (w + 1) + 4 * r, block.scales + 4 * w, 4);
  std::byte* quants = super + quants_at;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 8; ++k) std::memcpy(quants + 256 * i + 32 * k + 4 * r, block.qs + 32 * i + 4 * k, 4);
}

// Row r's super-block (ggml's 144 bytes) into its group's layout.
void pack_block(const quants::BlockQ4K& block, int64_t r, std::byte* super) {
  pack_header_and_nibbles(block, r, super, kQ4KHeaderBytes);
}

// Row r's super-block (ggml's 176 bytes) into its group's layout.
void pack_block(const quants::BlockQ5K& block, int64_t r, std::byte* super) {
  pack_header_and_nibbles(block, r, super, kQ4KHeaderBytes + kQ5KFifthBitBytes);
  for (int k = 0; k < 8; ++k) std::memcpy(super + kQ4KHeaderBytes + 32 * k + 4 * r, block.qh + 4 * k, 4);
}

// Each Q3_K hmask byte with the third bit of sub-block g moved from bit g
// to bit kQ3KThirdBitAt[g] (row_groups_layout.h): a table, so packing pays
// one lookup per byte.
constexpr std::array<std::byte, 256> kThirdBitsMoved = [] {
  std::array<std::byte, 256> table{};
  for (unsigned hmask = 0; hmask < 256; ++hmask) {
    unsigned moved = 0;
    for (int g = 0; g < 8; ++g) moved |= ((hmask >> g) & 1u) << kQ3KThirdBitAt[g];
    table[hmask] = static_cast<std::byte>(moved);
  }
  return table;
}();

// Row r's low two bits of each code (and Q3_K's third bits) into the units
// of its group's super-block (row_groups_layout.h), `header` bytes in, one
// unit per vector or (`paired`) interleaved in pairs.
void pack_units(const uint8_t* qs, const uint8_t* hmask, int64_t r, std::byte* super, int64_t header, bool paired) {
  const int64_t unit_bytes = hmask ? 96 : 64;
  for (int k = 0; k < 8; ++k) {
    // Row r's 4 bytes of vector k's first 32-byte vector, and the distance
    // to its next ones.
    std::byte* lane = paired ? super + header + 2 * unit_bytes * (k / 2) + 8 * kPairLaneOfRow[r] + 4 * (k % 2)
                             : super + header + unit_bytes * k + 4 * r;
    const int64_t next = paired ? 64 : 32;
    if (hmask) {
      for (int j = 0; j < 4; ++j) lane[j] = kThirdBitsMoved[hmask[4 * k + j]];
      lane += next;
    }
    std::memcpy(lane, qs + 4 * k, 4);
    std::memcpy(lane + next, qs + 32 + 4 * k, 4);
  }
}

// Row r's super-block (ggml's 84 bytes) into its group's layout.
void pack_block(const quants::BlockQ2K& block, int64_t r, std::byte* super, bool paired) {
  std::memcpy(super + 2 * r, &block.d, 2);
  std::memcpy(super + 16 + 2 * r, &block.dmin, 2);
  for (int q = 0; q < 4; ++q) std::memcpy(super + 32 + 32 * q + 4 * r, block.scales + 4 * q, 4);
  pack_units(block.qs, nullptr, r, super, kQ2KHeaderBytes, paired);
}

// Row r's super-block (ggml's 110 bytes) into its group's layout.
void pack_block(const quants::BlockQ3K& block, int64_t r, std::byte* super, bool paired) {
  std::memcpy(super + 2 * r, &block.d, 2);
  for (int w = 0; w < 3; ++w) std::memcpy(super + 16 + 32 * w + 4 * r, block.scales + 4 * w, 4);
  pack_units(block.qs, block.hmask, r, super, kQ3KHeaderBytes, paired);
}

// Row r's super-block (ggml's 210 bytes) into its group's layout.
void pack_block(const quants::BlockQ6K& block, int64_t r, std::byte* super) {
  std::memcpy(super + 2 * r, &block.d, 2);
  for (int j = 0; j < 16; ++j) std::memcpy(super + 16 + 32 * (j / 4) + 4 * r + j % 4, block.scales + j, 1);
  std::byte* quants = super + kQ6KHeaderBytes;
  for (int h = 0; h < 2; ++h)
    for (int k = 0; k < 8; ++k) {
      std::byte* unit = quants + 96 * (8 * h + k);
      std::memcpy(unit + 4 * r, block.ql + 64 * h + 4 * k, 4);
      std::memcpy(unit + 32 + 4 * r, block.ql + 64 * h + 32 + 4 * k, 4);
      std::memcpy(unit + 64 + 4 * r, block.qh + 32 * h + 4 * k, 4);
    }
}

// Group g's rows, super-block by super-block, each through pack(block, r, super).
template <class Block, class Pack>
void pack_group(const TensorView& w, int64_t g, std::byte* group, const Pack& pack) {
  const int64_t supers = w.cols() / 256;
  for (int64_t r = 0; r < kRows && g * kRows + r < w.rows(); ++r) {
    const auto* row = reinterpret_cast<const Block*>(w.data + static_cast<size_t>(g * kRows + r) * w.row_bytes());
    for (int64_t b = 0; b < supers; ++b) pack(row[b], r, group + b * k_super_bytes(w.dtype));
  }
}

}  // namespace

size_t k_group_bytes(DType type, int64_t supers) {
  return static_cast<size_t>((supers * k_super_bytes(type) + 63) / 64 * 64);  // groups start on a cache line
}

void pack_k_groups(const TensorView& w, std::byte* out, ThreadPool& pool, Isa isa) {
  const size_t stride = k_group_bytes(w.dtype, w.cols() / 256);
  const auto plain = [](const auto& block, int64_t r, std::byte* super) { pack_block(block, r, super); };
  const auto units = [paired = k_units_paired(isa)](const auto& block, int64_t r, std::byte* super) {
    pack_block(block, r, super, paired);
  };
  pool.parallel_for(group_count(w.rows()), 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      std::byte* group = out + static_cast<size_t>(g) * stride;
      std::memset(group, 0, stride);  // missing rows: zero quants, scales 0
      switch (w.dtype) {
        case DType::Q2_K: pack_group<quants::BlockQ2K>(w, g, group, units); break;
        case DType::Q3_K: pack_group<quants::BlockQ3K>(w, g, group, units); break;
        case DType::Q4_K: pack_group<quants::BlockQ4K>(w, g, group, plain); break;
        case DType::Q5_K: pack_group<quants::BlockQ5K>(w, g, group, plain); break;
        default: pack_group<quants::BlockQ6K>(w, g, group, plain);
      }
    }
  });
}

void multiply_k(std::span<const Product> products, int64_t cols, const float* x, int64_t n, Isa isa,
                ThreadPool& pool) {
  thread_local ActivationsQ8K quantized;
  quantize(x, n, cols, quantized, pool);
  const int64_t supers = cols / 256;
  thread_local std::vector<KGroupJob> jobs;
  jobs.clear();
  for (const Product& m : products)
    jobs.push_back({m.type, m.packed, k_group_bytes(m.type, supers), m.rows, supers, n, quantized.q.data(),
                    quantized.sum32.data(), m.y, active_prefetch().for_type(m.type)});
  run_side_by_side(jobs.data(), jobs.size(), k_kernel_for(isa), pool);
}

}  // namespace reach::run::row_groups
