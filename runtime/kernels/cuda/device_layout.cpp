#include <cstring>

#include "kernels/cuda/block_codes.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/quant.h"

namespace reach::run::cuda {

bool has_device_kernel(DType type) {
  switch (type) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q8_0:
    case DType::Q4_0:
      return true;
    default:
      return codes::in_file_layout(type);
  }
}

size_t device_matrix_bytes(DType type, int64_t rows, int64_t cols) {
  const auto elems = static_cast<size_t>(rows * cols);
  switch (type) {
    case DType::F32:
      return 4 * elems;
    case DType::F16:
    case DType::BF16:
      return 2 * elems;
    case DType::Q8_0:
      return elems + 2 * (elems / 32);
    case DType::Q4_0:
      return elems / 2 + 2 * (elems / 32);
    default:  // the file's rows
      return codes::in_file_layout(type) ? static_cast<size_t>(rows) * type_traits(type).row_bytes(cols) : 0;
  }
}

void repack_for_device(DType type, int64_t rows, int64_t cols, const std::byte* src, std::byte* dst) {
  const int64_t blocks = rows * (cols / 32);
  auto* scales = reinterpret_cast<uint16_t*>(dst + rows * (type == DType::Q4_0 ? cols / 2 : cols));
  if (type == DType::Q8_0) {
    const auto* in = reinterpret_cast<const BlockQ8_0*>(src);
    for (int64_t b = 0; b < blocks; ++b) {
      std::memcpy(dst + 32 * b, in[b].q, 32);
      scales[b] = in[b].d;
    }
  } else if (type == DType::Q4_0) {
    const auto* in = reinterpret_cast<const BlockQ4_0*>(src);
    for (int64_t b = 0; b < blocks; ++b) {
      std::memcpy(dst + 16 * b, in[b].q, 16);
      scales[b] = in[b].d;
    }
  } else {
    std::memcpy(dst, src, device_matrix_bytes(type, rows, cols));
  }
}

}  // namespace reach::run::cuda
