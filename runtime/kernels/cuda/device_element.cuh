#pragma once
// Element (r, c) of a matrix in its device layout (cuda_ops.h's
// DeviceMatrix), as F32: what the embedding lookup returns and what the
// GEMM's dequantization rounds to F16. d·q for Q8_0/Q4_0, in one rounding;
// the other quantized types as the CPU's dequantization (block_codes.h).
#include <cuda_fp16.h>

#include "kernels/cuda/block_codes.h"
#include "kernels/cuda/cuda_ops.h"

namespace reach::run::cuda {

__device__ inline float half_bits_to_float(uint16_t h) { return __half2float(__ushort_as_half(h)); }

__device__ inline float element(const DeviceMatrix& m, int64_t r, int64_t c) {
  switch (m.dtype) {
    case DType::F32:
      return reinterpret_cast<const float*>(m.data)[r * m.cols + c];
    case DType::F16:
      return half_bits_to_float(reinterpret_cast<const uint16_t*>(m.data)[r * m.cols + c]);
    case DType::BF16:
      return __uint_as_float(static_cast<uint32_t>(reinterpret_cast<const uint16_t*>(m.data)[r * m.cols + c]) << 16);
    case DType::Q8_0: {
      const float d = half_bits_to_float(m.scales()[r * (m.cols / 32) + c / 32]);
      return d * static_cast<float>(reinterpret_cast<const int8_t*>(m.data)[r * m.cols + c]);
    }
    case DType::Q4_0: {
      const float d = half_bits_to_float(m.scales()[r * (m.cols / 32) + c / 32]);
      const int64_t j = c % 32;
      const uint8_t byte = reinterpret_cast<const uint8_t*>(m.data)[r * (m.cols / 2) + (c / 32) * 16 + j % 16];
      return d * static_cast<float>((j < 16 ? byte & 0x0F : byte >> 4) - 8);
    }
    default:
      if (!codes::in_file_layout(m.dtype)) return __int_as_float(0x7fc00000);  // has_device_kernel refused it at load
      return codes::with_type(m.dtype, [&]<DType Type>() {
        return codes::element_of<Type>(reinterpret_cast<const uint8_t*>(m.data), m.cols, r, c);
      });
  }
}

}  // namespace reach::run::cuda
