#pragma once
// Helpers shared by the kernel tests: deterministic random data and storing
// float matrices in each weight type.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "formats/tensor.h"
#include "kernels/quant.h"
#include "quantize_ref.h"

namespace reach::run::testing {

// The IEEE half at p (any alignment), as a float: a block's d or dmin.
inline float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}

inline std::vector<float> random_floats(size_t n, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A weight matrix stored as `type`, with the values the kernels will
// actually see after decoding it.
struct StoredMatrix {
  std::vector<std::byte> bytes;
  TensorView view;
  std::vector<float> decoded;  // {rows, cols}
};

inline StoredMatrix store_matrix(const std::vector<float>& w, int64_t rows, int64_t cols, DType type) {
  StoredMatrix m;
  const auto info = type_traits(type);
  const size_t row_bytes = static_cast<size_t>(cols / info.block_elems * info.block_bytes);
  m.bytes.resize(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = w.data() + r * cols;
    std::byte* dst = m.bytes.data() + static_cast<size_t>(r) * row_bytes;
    switch (type) {
      case DType::F32: std::memcpy(dst, src, row_bytes); break;
      case DType::F16:
        for (int64_t i = 0; i < cols; ++i) {
          const uint16_t h = f32_to_f16(src[i]);
          std::memcpy(dst + 2 * i, &h, 2);
        }
        break;
      case DType::BF16:
        for (int64_t i = 0; i < cols; ++i) {
          uint32_t bits;
          std::memcpy(&bits, &src[i], 4);
          const auto h = static_cast<uint16_t>(bits >> 16);  // truncation is a valid BF16 too
          std::memcpy(dst + 2 * i, &h, 2);
        }
        break;
      case DType::Q8_0: quantize_row_q8_0(src, reinterpret_cast<BlockQ8_0*>(dst), cols); break;
      case DType::Q4_0: {  // weights only: the writer's ggml reference quantizer
        std::vector<std::byte> q;
        test::encode_row(run::DType::Q4_0, {src, static_cast<size_t>(cols)}, q);
        std::memcpy(dst, q.data(), q.size());
        break;
      }
      default: info.from_float(src, dst, cols); break;  // the type table's ggml reference quantizer
    }
  }
  m.view.name = "w";
  m.view.dtype = type;
  m.view.shape = {rows, cols};
  m.view.data = m.bytes.data();
  m.view.nbytes = m.bytes.size();
  m.decoded.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    dequantize_row(type, m.bytes.data() + static_cast<size_t>(r) * row_bytes, m.decoded.data() + r * cols, cols);
  return m;
}

}  // namespace reach::run::testing
