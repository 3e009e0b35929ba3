#pragma once
// A tensor as the model sees it: a typed, shaped, read-only view into a file
// mapping (or any buffer that outlives the view). Loaders produce these; the
// model and the kernels consume them. Nothing here owns memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reach::run {

// Storage types. Quantized types are stored in blocks along the innermost
// (row) dimension, exactly as ggml lays them out:
//   Q8_0: 32 elements -> { f16 d; int8 q[32]; }            34 bytes
//   Q4_0: 32 elements -> { f16 d; uint8 q[16]; }  (x = (nibble-8)*d; low nibbles are elements 0..15, high 16..31) 18 bytes
enum class DType : uint8_t { F32, F16, BF16, Q8_0, Q4_0 };

struct DTypeInfo {
  std::string_view name;  // "F32", "F16", "BF16", "Q8_0", "Q4_0"
  int64_t block_elems;    // elements per block (1 for plain types)
  int64_t block_bytes;    // bytes per block
};

inline constexpr DTypeInfo dtype_info(DType t) {
  switch (t) {
    case DType::F32: return {"F32", 1, 4};
    case DType::F16: return {"F16", 1, 2};
    case DType::BF16: return {"BF16", 1, 2};
    case DType::Q8_0: return {"Q8_0", 32, 34};
    case DType::Q4_0: return {"Q4_0", 32, 18};
  }
  return {"?", 1, 1};
}

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  // Outermost first, as PyTorch prints it: a linear layer's weight is
  // {out_features, in_features} with each row contiguous. (GGUF stores dims
  // innermost first; its reader reverses them.)
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;
  size_t nbytes = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int64_t cols() const { return shape.empty() ? 1 : shape.back(); }  // innermost
  int64_t rows() const { return shape.empty() ? 1 : numel() / cols(); }
  size_t row_bytes() const {
    const auto info = dtype_info(dtype);
    return static_cast<size_t>(cols() / info.block_elems * info.block_bytes);
  }
};

}  // namespace reach::run
