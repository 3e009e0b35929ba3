#pragma once
// The K-quants' product with a Q8_K activation as kernels/row_groups_k_kernel.h
// defines it, in plain scalar code written from ggml's block_qN_K structs
// (byte offsets, not the project's decoders), one element at a time: lanes
// of exact integers per super-block (eight, or one for Q2_K and Q3_K), one
// FMA per lane, the lanes summed in the kernel's order. The integer sums
// are exact, so a kernel must give the very bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/tensor_type.h"
#include "kernels/q8_k.h"
#include "reference.h"

namespace reach::run::testing {

// One element e of a super-block at p: its code less the type's offset,
// the scale and the minimum of its sub-block, and the block's d and dmin.
struct KElement {
  int code, scale, min;
  float d, dmin;
};

// Q4_K's and Q5_K's packed 6-bit (scale, min) of sub-block j of 32, as
// ggml's get_scale_min_k4 reads them.
inline void k4_scale_min(const uint8_t* q, int j, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

inline KElement k_element(DType type, const uint8_t* p, int e) {
  const int group = e / 32, l = e % 32;
  switch (type) {
    case DType::Q2_K: {  // scales[16] qs[64] d dmin
      const int q = (p[16 + 32 * (group / 4) + l] >> (2 * (group % 4))) & 3;
      return {q, p[e / 16] & 0xF, p[e / 16] >> 4, half_at(p + 80), half_at(p + 82)};
    }
    case DType::Q3_K: {  // hmask[32] qs[64] scales[12] d
      const int low = (p[32 + 32 * (group / 4) + l] >> (2 * (group % 4))) & 3;
      const int high = (p[l] >> group) & 1;
      const uint8_t* s = p + 96;
      const int j = e / 16;
      const int sc = ((j < 8 ? s[j] & 0xF : s[j - 8] >> 4) | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
      return {low + 4 * high - 4, sc, 0, half_at(p + 108), 0.f};
    }
    case DType::Q4_K:    // d dmin scales[12] qs[128]
    case DType::Q5_K: {  // d dmin scales[12] qh[32] qs[128]
      const bool q5 = type == DType::Q5_K;
      const uint8_t byte = p[(q5 ? 48 : 16) + 32 * (group / 2) + l];
      const int fifth = q5 ? 16 * ((p[16 + l] >> group) & 1) : 0;
      int sc, m;
      k4_scale_min(p + 4, group, sc, m);
      return {(group % 2 ? byte >> 4 : byte & 0xF) + fifth, sc, m, half_at(p), half_at(p + 2)};
    }
    case DType::Q6_K: {  // ql[128] qh[64] scales[16] i8, d
      const int h = e / 128, g = (e % 128) / 32;
      const uint8_t low = p[64 * h + 32 * (g % 2) + l];
      const int q = (g < 2 ? low & 0xF : low >> 4) | (((p[128 + 32 * h + l] >> (2 * g)) & 3) << 4);
      return {q - 32, static_cast<int8_t>(p[192 + e / 16]), 0, half_at(p + 208), 0.f};
    }
    default: ADD_FAILURE() << "not a K-quant"; return {};
  }
}

// What a kernel adds back to the codes: they are stored plus this.
inline int k_offset(DType type) { return type == DType::Q3_K ? 4 : type == DType::Q6_K ? 32 : 0; }

// Where a block's f16 d (and dmin) sit.
inline std::vector<size_t> k_f16_offsets(DType type) {
  switch (type) {
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q6_K: return {208};
    default: return {0, 2};  // Q4_K, Q5_K
  }
}

// How many integer lanes a row's super-block is summed in: Q2_K and Q3_K
// one (the whole super-block), the others eight (lane (e % 32) / 4 of
// element e, sub-blocks 2l and 2l + 1 of 16 in lane l).
inline int k_lanes(DType type) { return type == DType::Q2_K || type == DType::Q3_K ? 1 : 8; }

// One row of n elements (n/256 super-blocks) times the activation x.
inline float k_reference_dot(DType type, const std::byte* row, const BlockQ8K* x, int64_t n) {
  const size_t block_bytes = static_cast<size_t>(type_traits(type).block_bytes);
  const int offset = k_offset(type), lanes = k_lanes(type);
  const auto lane_of_element = [&](int e) { return lanes == 1 ? 0 : (e % 32) / 4; };
  const auto lane_of_sub_block = [&](int j) { return lanes == 1 ? 0 : j / 2; };  // j of 16 elements
  float scaled[8] = {}, minsum[8] = {};
  for (int64_t b = 0; b < n / 256; ++b) {
    const auto* p = reinterpret_cast<const uint8_t*>(row) + b * block_bytes;
    int32_t codes[8] = {}, subs[8] = {}, mins[8] = {};
    int scale[16], min[16];
    float d = 0, dmin = 0;
    for (int e = 0; e < 256; ++e) {
      const KElement el = k_element(type, p, e);
      codes[lane_of_element(e)] += el.scale * (el.code + offset) * x[b].qs[e];  // the code as stored (unsigned)
      scale[e / 16] = el.scale;
      min[e / 16] = el.min;
      d = el.d;
      dmin = el.dmin;
    }
    for (int j = 0; j < 16; ++j) {
      subs[lane_of_sub_block(j)] += x[b].bsums[j] * scale[j];
      mins[lane_of_sub_block(j)] += x[b].bsums[j] * min[j];
    }
    for (int l = 0; l < lanes; ++l) {
      scaled[l] = std::fma(d * x[b].d, static_cast<float>(codes[l] - offset * subs[l]), scaled[l]);
      minsum[l] = std::fma(-(dmin * x[b].d), static_cast<float>(mins[l]), minsum[l]);
    }
  }
  if (lanes == 1) return scaled[0] + minsum[0];
  float v[8], s4[4];
  for (int l = 0; l < 8; ++l) v[l] = scaled[l] + minsum[l];
  for (int l = 0; l < 4; ++l) s4[l] = v[l] + v[l + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

}  // namespace reach::run::testing
