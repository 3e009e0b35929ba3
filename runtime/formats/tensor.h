#pragma once
// A tensor as the model sees it: a typed, shaped, read-only view into a file
// mapping (or any buffer that outlives the view). Loaders produce these; the
// model and the kernels consume them. Nothing here owns memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/tensor_type.h"

namespace reach::run {

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
  size_t row_bytes() const { return type_traits(dtype).row_bytes(cols()); }
};

}  // namespace reach::run
