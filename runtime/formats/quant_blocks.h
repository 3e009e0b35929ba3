#pragma once
// The blocks of Q4_1, Q5_0, Q5_1 and the K-quants as ggml lays them out
// (formats/quant_rows.h has the formulas), and the small decoders of their
// packed scales: shared by the conversions (formats/legacy_quants.cpp,
// k_quants.cpp) and the product kernels (kernels/block_dot.cpp, the
// K-quants' row-group packing), so both read a block the same way.
#include <cstdint>
#include <cstring>

namespace reach::run::quants {

struct BlockQ4_1 {
  uint16_t d, m;
  uint8_t qs[16];  // element j in the low nibble of byte j, element 16 + j in the high
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];  // bit j: the 5th bit of element j
  uint8_t qs[16];
};
struct BlockQ5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);

inline constexpr int kSuper = 256;  // elements per K-quant super-block

struct BlockQ2K {
  uint8_t scales[16];  // sub-block scale in the low nibble, min in the high
  uint8_t qs[64];
  uint16_t d, dmin;
};
struct BlockQ3K {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
struct BlockQ4K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
struct BlockQ5K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
struct BlockQ6K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ2K) == 84 && sizeof(BlockQ3K) == 110);
static_assert(sizeof(BlockQ4K) == 144 && sizeof(BlockQ5K) == 176 && sizeof(BlockQ6K) == 210);

// Round to nearest, ties to even, for |x| < 2^22: ggml's nearest_int (adding
// 1.5·2^23 leaves the integer in the mantissa's low bits).
inline int nearest_int(float x) {
  const float shifted = x + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &shifted, 4);
  return (bits & 0x007fffff) - 0x00400000;
}

// Sub-block j's 6-bit scale and minimum in Q4_K/Q5_K's 12 packed bytes:
// j < 4 in the low 6 bits of bytes j and j+4; the others split into byte
// j+4's nibbles and the top 2 bits of bytes j-4 and j.
inline void scale_min(int j, const uint8_t* q, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Code of element e of a 2-bit-packed super-block (Q2_K, Q3_K's low bits):
// 32 bytes per 128 elements, element group e/32 at bit 2·(group % 4).
inline int code_2bit(const uint8_t* qs, int e) {
  const int half = e / 128, within = e % 128;
  return (qs[32 * half + within % 32] >> (2 * (within / 32))) & 3;
}

// Q3_K's sixteen 6-bit scales in 12 bytes: low nibbles of scale j in byte j
// (j < 8) or the high nibble of byte j-8, top 2 bits in byte 8 + j%4 at bit
// 2·(j/4). Stored plus 32.
inline int q3_scale(const uint8_t* scales, int j) {
  const int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
  return (low | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

}  // namespace reach::run::quants
