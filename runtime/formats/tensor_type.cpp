#include "formats/tensor_type.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/half.h"
#include "formats/quant_rows.h"

namespace reach::run {

namespace {

constexpr int64_t kBlock = 32;

void load_u16(const std::byte* p, uint16_t* v) { std::memcpy(v, p, sizeof *v); }
void store_u16(std::byte* p, uint16_t v) { std::memcpy(p, &v, sizeof v); }

void f32_to_float(const std::byte* row, float* out, int64_t n) {
  std::memcpy(out, row, static_cast<size_t>(n) * sizeof(float));
}
void f32_from_float(const float* x, std::byte* out, int64_t n) {
  std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
}

template <float (*Convert)(uint16_t)>
void halves_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    load_u16(row + 2 * i, &h);
    out[i] = Convert(h);
  }
}
template <uint16_t (*Convert)(float)>
void halves_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) store_u16(out + 2 * i, Convert(x[i]));
}

// Q8_0 block: { f16 d; int8 q[32] }, x = q * d.
void q8_0_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, row += 34) {
    uint16_t dh;
    load_u16(row, &dh);
    const float d = f16_to_f32(dh);
    for (int64_t j = 0; j < kBlock; ++j) out[b * kBlock + j] = static_cast<float>(static_cast<int8_t>(row[2 + j])) * d;
  }
}

// ggml's quantize_row_q8_0_ref: d = max|x| / 127, q = round(x / d) (half
// away from zero).
void q8_0_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, out += 34) {
    const float* v = x + b * kBlock;
    float amax = 0.0f;
    for (int64_t j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(v[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    store_u16(out, f32_to_f16(d));
    for (int64_t j = 0; j < kBlock; ++j) out[2 + j] = static_cast<std::byte>(static_cast<int8_t>(std::roundf(v[j] * id)));
  }
}

// Q4_0 block: { f16 d; uint8 q[16] }, x = (nibble - 8) * d; low nibbles are
// elements 0..15, high nibbles 16..31.
void q4_0_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, row += 18) {
    uint16_t dh;
    load_u16(row, &dh);
    const float d = f16_to_f32(dh);
    for (int64_t j = 0; j < kBlock / 2; ++j) {
      const auto q = static_cast<uint8_t>(row[2 + j]);
      out[b * kBlock + j] = static_cast<float>((q & 0x0F) - 8) * d;
      out[b * kBlock + j + 16] = static_cast<float>((q >> 4) - 8) * d;
    }
  }
}

// ggml's quantize_row_q4_0_ref: d = (the value of largest magnitude) / -8.
void q4_0_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b, out += 18) {
    const float* v = x + b * kBlock;
    float amax = 0.0f, max = 0.0f;  // largest magnitude, and that value with its sign
    for (int64_t j = 0; j < kBlock; ++j)
      if (amax < std::fabs(v[j])) {
        amax = std::fabs(v[j]);
        max = v[j];
      }
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    store_u16(out, f32_to_f16(d));
    for (int64_t j = 0; j < kBlock / 2; ++j) {
      const auto lo = static_cast<uint8_t>(std::min<int8_t>(15, static_cast<int8_t>(v[j] * id + 8.5f)));
      const auto hi = static_cast<uint8_t>(std::min<int8_t>(15, static_cast<int8_t>(v[kBlock / 2 + j] * id + 8.5f)));
      out[2 + j] = static_cast<std::byte>(lo | (hi << 4));
    }
  }
}

constexpr TypeTraits kTypes[] = {
    // type       name    block elems, bytes  ggml  safetensors vec_dot_type
    {DType::F32, "F32", 1, 4, 0, true, DType::F32, f32_to_float, f32_from_float},
    {DType::F16, "F16", 1, 2, 1, true, DType::F16, halves_to_float<f16_to_f32>, halves_from_float<f32_to_f16>},
    {DType::BF16, "BF16", 1, 2, 30, true, DType::F32, halves_to_float<bf16_to_f32>, halves_from_float<f32_to_bf16>},
    {DType::Q8_0, "Q8_0", 32, 34, 8, false, DType::Q8_0, q8_0_to_float, q8_0_from_float},
    {DType::Q4_0, "Q4_0", 32, 18, 2, false, DType::Q8_0, q4_0_to_float, q4_0_from_float},
    {DType::Q4_1, "Q4_1", 32, 20, 3, false, DType::Q8_0, quants::q4_1_to_float, quants::q4_1_from_float},
    {DType::Q5_0, "Q5_0", 32, 22, 6, false, DType::Q8_0, quants::q5_0_to_float, quants::q5_0_from_float},
    {DType::Q5_1, "Q5_1", 32, 24, 7, false, DType::Q8_0, quants::q5_1_to_float, quants::q5_1_from_float},
    {DType::Q2_K, "Q2_K", 256, 84, 10, false, DType::Q8_0, quants::q2_k_to_float, quants::q2_k_from_float},
    {DType::Q3_K, "Q3_K", 256, 110, 11, false, DType::Q8_0, quants::q3_k_to_float, quants::q3_k_from_float},
    {DType::Q4_K, "Q4_K", 256, 144, 12, false, DType::Q8_0, quants::q4_k_to_float, quants::q4_k_from_float},
    {DType::Q5_K, "Q5_K", 256, 176, 13, false, DType::Q8_0, quants::q5_k_to_float, quants::q5_k_from_float},
    {DType::Q6_K, "Q6_K", 256, 210, 14, false, DType::Q8_0, quants::q6_k_to_float, quants::q6_k_from_float},
};

// The rows are in DType order, so type_traits is an index.
constexpr bool rows_in_order() {
  for (size_t i = 0; i < std::size(kTypes); ++i)
    if (static_cast<size_t>(kTypes[i].type) != i) return false;
  return true;
}
static_assert(rows_in_order(), "kTypes must list the DTypes in order, one row each");

}  // namespace

const TypeTraits& type_traits(DType t) { return kTypes[static_cast<size_t>(t)]; }

const TypeTraits* type_by_ggml_id(uint32_t id) {
  for (const TypeTraits& t : kTypes)
    if (t.ggml_type == id) return &t;
  return nullptr;
}

const TypeTraits* type_by_name(std::string_view name) {
  for (const TypeTraits& t : kTypes)
    if (t.name == name) return &t;
  return nullptr;
}

std::string type_names(bool (*in_format)(const TypeTraits&)) {
  std::string names;
  for (const TypeTraits& t : kTypes)
    if (in_format(t)) names += (names.empty() ? "" : ", ") + std::string(t.name);
  return names;
}

}  // namespace reach::run
