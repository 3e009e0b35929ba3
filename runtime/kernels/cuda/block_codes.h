#pragma once
// The blocks of Q4_1, Q5_0, Q5_1 and the K-quants (Q2_K .. Q6_K) as the CUDA
// kernels read them: in the file's layout (ggml's block structs, which the
// device keeps as they are), one group of 32 elements at a time, decoded
// into 32 unsigned codes (four to a 32-bit word, in element order) and, per
// 16 elements, an integer scale and minimum, so that every type's element is
//   value = (d · scale) · (code - offset) - dmin · min
// and its product with 32 int8 activation codes is two integer dots.
// Host and device compile the same functions: test/runtime/cuda's
// block_codes_test holds them, on the host, to the CPU's dequantization
// (bit for bit) and to the CPU's row dots.
#include <cstdint>

#include "formats/half.h"
#include "formats/tensor_type.h"
#include "kernels/cuda/cuda_ops.h"
#ifdef __CUDACC__
#include <cuda_fp16.h>
#endif

namespace reach::run::cuda::codes {

REACH_HOST_DEVICE inline float half_at(const uint8_t* p) {
  const auto bits = static_cast<uint16_t>(p[0] | p[1] << 8);
#ifdef __CUDA_ARCH__
  return __half2float(__ushort_as_half(bits));
#else
  return f16_to_f32(bits);
#endif
}

// Bytes p[0..3] as a little-endian word. On the GPU in one load where
// `Align` (what every field of the type's blocks is aligned to: 4, or 2 for
// the 22-, 110- and 210-byte blocks) allows, else in two; the host reads
// bytes.
template <int Align = 1>
REACH_HOST_DEVICE uint32_t word_at(const uint8_t* p) {
#ifdef __CUDA_ARCH__
  if constexpr (Align % 4 == 0) return *reinterpret_cast<const uint32_t*>(p);
  if constexpr (Align % 2 == 0) {
    const auto* h = reinterpret_cast<const uint16_t*>(p);
    return static_cast<uint32_t>(h[0]) | static_cast<uint32_t>(h[1]) << 16;
  }
#endif
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Products and differences never fused into an FMA: the CPU's
// dequantization rounds each one, and the embedding lookup must have its bits.
REACH_HOST_DEVICE inline float mul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
REACH_HOST_DEVICE inline float sub(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

// Σ of the products of the four signed bytes of a and b, plus c.
REACH_HOST_DEVICE inline int dot4(uint32_t a, uint32_t b, int c) {
#ifdef __CUDA_ARCH__
  return __dp4a(static_cast<int>(a), static_cast<int>(b), c);
#else
  for (int i = 0; i < 4; ++i) c += static_cast<int8_t>(a >> 8 * i) * static_cast<int8_t>(b >> 8 * i);
  return c;
#endif
}

struct Group {
  uint32_t codes[8];  // 32 codes, each < 64
  int scale[2];       // elements 0..15, 16..31 of the group
  int min[2];
  int offset;
  float d, dmin;
};

// Q4_K / Q5_K: sub-block j's 6-bit scale and minimum (ggml's get_scale_min_k4).
REACH_HOST_DEVICE inline void scale_min_k4(int j, const uint8_t* q, int& scale, int& min) {
  if (j < 4) {
    scale = q[j] & 63, min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q3_K: 16-element sub-block j's scale, 6 bits packed in 12 bytes, minus 32.
REACH_HOST_DEVICE inline int q3_k_scale(const uint8_t* s, int j) {
  const int k = j % 4, quarter = j / 4;
  const int low = ((quarter & 1) ? s[4 + k] : s[k]) >> (quarter >= 2 ? 4 : 0) & 0xF;
  const int high = (s[8 + k] >> (2 * quarter)) & 3;
  return (low | high << 4) - 32;
}

// Each 4 bits of h (bits 0..3) at bit `to` of its byte.
REACH_HOST_DEVICE inline uint32_t spread_bits(uint32_t h, int to) {
  return ((h & 1u) | (h & 2u) << 7 | (h & 4u) << 14 | (h & 8u) << 21) << to;
}

// Block sizes of the types decode() reads (the type table's, for device code).
template <DType Type>
inline constexpr int kBlockElems = Type == DType::Q4_1 || Type == DType::Q5_0 || Type == DType::Q5_1 ? 32 : 256;
template <DType Type>
inline constexpr int kBlockBytes = Type == DType::Q4_1   ? 20
                                   : Type == DType::Q5_0 ? 22
                                   : Type == DType::Q5_1 ? 24
                                   : Type == DType::Q2_K ? 84
                                   : Type == DType::Q3_K ? 110
                                   : Type == DType::Q4_K ? 144
                                   : Type == DType::Q5_K ? 176
                                                         : 210;

template <DType Type>
inline constexpr int kAlign = kBlockBytes<Type> % 4 == 0 ? 4 : 2;

// Group g (of block_elems / 32) of the block at `b`.
template <DType Type>
REACH_HOST_DEVICE Group decode(const uint8_t* b, int g) {
  constexpr int A = kAlign<Type>;
  Group r{};
  r.scale[0] = r.scale[1] = 1;
  if constexpr (Type == DType::Q4_1 || Type == DType::Q5_1) {
    // {d, m, [qh,] qs[16]}: value = q·d + m, so dmin = -m and min = 1.
    const uint8_t* qs = b + (Type == DType::Q4_1 ? 4 : 8);
    r.d = half_at(b), r.dmin = -half_at(b + 2), r.min[0] = r.min[1] = 1;
    for (int w = 0; w < 8; ++w) r.codes[w] = word_at<A>(qs + 4 * (w % 4)) >> (w < 4 ? 0 : 4) & 0x0F0F0F0Fu;
    if constexpr (Type == DType::Q5_1)
      for (int w = 0; w < 8; ++w) r.codes[w] |= spread_bits(word_at<A>(b + 4) >> 4 * w & 0xF, 4);
  } else if constexpr (Type == DType::Q5_0) {
    // {d, qh, qs[16]}: element j's fifth bit is bit j of qh.
    r.d = half_at(b), r.offset = 16;
    for (int w = 0; w < 8; ++w)
      r.codes[w] = (word_at<A>(b + 6 + 4 * (w % 4)) >> (w < 4 ? 0 : 4) & 0x0F0F0F0Fu) |
                   spread_bits(word_at<A>(b + 2) >> 4 * w & 0xF, 4);
  } else if constexpr (Type == DType::Q2_K) {
    // {scales[16], qs[64], d, dmin}: group g is bits 2(g%4) of qs[32(g/4) ..].
    const int n = g / 4, shift = 2 * (g % 4);
    r.d = half_at(b + 80), r.dmin = half_at(b + 82);
    for (int h = 0; h < 2; ++h) r.scale[h] = b[8 * n + 2 * (g % 4) + h] & 0xF, r.min[h] = b[8 * n + 2 * (g % 4) + h] >> 4;
    for (int w = 0; w < 8; ++w) r.codes[w] = word_at<A>(b + 16 + 32 * n + 4 * w) >> shift & 0x03030303u;
  } else if constexpr (Type == DType::Q3_K) {
    // {hmask[32], qs[64], scales[12], d}: the third bit is bit g of hmask,
    // set meaning "not minus 4".
    const int n = g / 4, shift = 2 * (g % 4);
    r.d = half_at(b + 108), r.offset = 4;
    for (int h = 0; h < 2; ++h) r.scale[h] = q3_k_scale(b + 96, 8 * n + 2 * (g % 4) + h);
    for (int w = 0; w < 8; ++w)
      r.codes[w] = (word_at<A>(b + 32 + 32 * n + 4 * w) >> shift & 0x03030303u) | (word_at<A>(b + 4 * w) >> g & 0x01010101u) << 2;
  } else if constexpr (Type == DType::Q4_K || Type == DType::Q5_K) {
    // {d, dmin, scales[12], [qh[32],] qs[128]}: group g is the low (g even)
    // or high nibbles of qs[32(g/2) ..]; Q5_K's fifth bit is bit g of qh.
    const uint8_t* qs = b + (Type == DType::Q4_K ? 16 : 48);
    r.d = half_at(b), r.dmin = half_at(b + 2);
    scale_min_k4(g, b + 4, r.scale[0], r.min[0]);
    r.scale[1] = r.scale[0], r.min[1] = r.min[0];
    for (int w = 0; w < 8; ++w) r.codes[w] = word_at<A>(qs + 32 * (g / 2) + 4 * w) >> 4 * (g % 2) & 0x0F0F0F0Fu;
    if constexpr (Type == DType::Q5_K)
      for (int w = 0; w < 8; ++w) r.codes[w] |= (word_at<A>(b + 16 + 4 * w) >> g & 0x01010101u) << 4;
  } else if constexpr (Type == DType::Q6_K) {
    // {ql[128], qh[64], scales[16] (int8), d}: in each half n of 128
    // elements, part p = g % 4 is nibble p/2 of ql[64n + 32(p%2) ..] with
    // bits 2p of qh[32n ..] above it.
    const int n = g / 4, p = g % 4;
    r.d = half_at(b + 208), r.offset = 32;
    for (int h = 0; h < 2; ++h) r.scale[h] = static_cast<int8_t>(b[192 + 8 * n + 2 * p + h]);
    for (int w = 0; w < 8; ++w)
      r.codes[w] = (word_at<A>(b + 64 * n + 32 * (p % 2) + 4 * w) >> 4 * (p / 2) & 0x0F0F0F0Fu) |
                   (word_at<A>(b + 128 + 32 * n + 4 * w) >> 2 * p & 0x03030303u) << 4;
  }
  return r;
}

// Element l of a decoded group, as the CPU's dequantization computes it.
REACH_HOST_DEVICE inline float value(const Group& r, int l) {
  const int code = static_cast<int>(r.codes[l / 4] >> 8 * (l % 4) & 0xFF);
  const int h = l / 16;
  return sub(mul(mul(r.d, static_cast<float>(r.scale[h])), static_cast<float>(code - r.offset)),
             mul(r.dmin, static_cast<float>(r.min[h])));
}

// The group's product with 32 activation codes of a Q8_K block (scale d8):
// Σ value · d8 · q8, from exact integer sums.
REACH_HOST_DEVICE inline float k_group_dot(const Group& r, const uint32_t* q8, float d8) {
  int isum[2] = {0, 0}, qsum[2] = {0, 0};
  for (int w = 0; w < 8; ++w) {
    isum[w / 4] = dot4(r.codes[w], q8[w], isum[w / 4]);
    qsum[w / 4] = dot4(0x01010101u, q8[w], qsum[w / 4]);
  }
  const int scaled = r.scale[0] * (isum[0] - r.offset * qsum[0]) + r.scale[1] * (isum[1] - r.offset * qsum[1]);
  const int mins = r.min[0] * qsum[0] + r.min[1] * qsum[1];
  return r.d * d8 * static_cast<float>(scaled) - r.dmin * d8 * static_cast<float>(mins);
}

// The block's product with a Q8_0 activation block (scale d8, and s8 = its
// scaled sum, block_q8_1's s, which Q4_1/Q5_1's minimum multiplies).
REACH_HOST_DEVICE inline float block32_dot(const Group& r, const uint32_t* q8, float d8, float s8) {
  int isum = 0, qsum = 0;
  for (int w = 0; w < 8; ++w) {
    isum = dot4(r.codes[w], q8[w], isum);
    qsum = dot4(0x01010101u, q8[w], qsum);
  }
  return r.d * d8 * static_cast<float>(isum - r.offset * qsum) - r.dmin * static_cast<float>(r.min[0]) * s8;
}

// Whether `type` is read through this file, and whether with Q8_K activations.
REACH_HOST_DEVICE constexpr bool in_file_layout(DType type) {
  return type == DType::Q4_1 || type == DType::Q5_0 || type == DType::Q5_1 || type == DType::Q2_K ||
         type == DType::Q3_K || type == DType::Q4_K || type == DType::Q5_K || type == DType::Q6_K;
}
REACH_HOST_DEVICE constexpr bool k_quant(DType type) {
  return type == DType::Q2_K || type == DType::Q3_K || type == DType::Q4_K || type == DType::Q5_K ||
         type == DType::Q6_K;
}

// Calls f.operator()<Type>() for the run-time `type` (one of
// in_file_layout's): the one switch from a type to the decoders' templates.
template <class F>
REACH_HOST_DEVICE auto with_type(DType type, F&& f) {
  switch (type) {
    case DType::Q4_1: return f.template operator()<DType::Q4_1>();
    case DType::Q5_0: return f.template operator()<DType::Q5_0>();
    case DType::Q5_1: return f.template operator()<DType::Q5_1>();
    case DType::Q2_K: return f.template operator()<DType::Q2_K>();
    case DType::Q3_K: return f.template operator()<DType::Q3_K>();
    case DType::Q4_K: return f.template operator()<DType::Q4_K>();
    case DType::Q5_K: return f.template operator()<DType::Q5_K>();
    default: return f.template operator()<DType::Q6_K>();
  }
}

// Group g (of cols / 32) of row r of a {rows, cols} matrix of Type in the
// file's layout.
template <DType Type>
REACH_HOST_DEVICE Group group_at(const uint8_t* data, int64_t cols, int64_t r, int64_t g) {
  constexpr int kGroups = kBlockElems<Type> / 32;  // per block
  const uint8_t* block = data + (r * (cols / kBlockElems<Type>) + g / kGroups) * kBlockBytes<Type>;
  return decode<Type>(block, static_cast<int>(g % kGroups));
}

// Element (r, c) of such a matrix.
template <DType Type>
REACH_HOST_DEVICE float element_of(const uint8_t* data, int64_t cols, int64_t r, int64_t c) {
  return value(group_at<Type>(data, cols, r, c / 32), static_cast<int>(c % 32));
}

}  // namespace reach::run::cuda::codes
