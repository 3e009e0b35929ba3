#include "kernels/cuda/matmul.h"

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/device_element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace reach::run::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;
// Dequantized W is multiplied a slice of rows at a time: 32 Mi F16 values
// (64 MiB) of scratch at most, whatever the matrix.
constexpr int64_t kSliceElements = int64_t{32} << 20;

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw CudaError(std::string(what) + ": " + cublasGetStatusString(s));
}

// ---- X as Q8_0, as quantize_row_q8_0 does it on the CPU: d = amax/127
// stored as F16, q = round-half-even(x · 127/amax). One warp a block.
__global__ void quantize_q8_0_kernel(const float* x, int64_t blocks, int8_t* q, float* d) {
  const int64_t b = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  if (b >= blocks) return;
  const int lane = threadIdx.x % 32;
  const float v = x[b * 32 + lane];
  const float amax = warp_max(fabsf(v));
  const float id = amax != 0.0f && isfinite(127.0f / amax) ? 127.0f / amax : 0.0f;
  q[b * 32 + lane] = static_cast<int8_t>(__float2int_rn(v * id));
  if (lane == 0) d[b] = __half2float(__float2half_rn(amax / 127.0f));
}

// ---- the integer block dots: 32 int8 products of one block, summed.
struct Q8_0Block {
  static constexpr int64_t kBytes = 32;
  __device__ static int dot(const int8_t* w, const int4* x) {
    const int4 w0 = reinterpret_cast<const int4*>(w)[0], w1 = reinterpret_cast<const int4*>(w)[1];
    const int4 x0 = x[0], x1 = x[1];
    int s = __dp4a(w0.x, x0.x, 0);
    s = __dp4a(w0.y, x0.y, s);
    s = __dp4a(w0.z, x0.z, s);
    s = __dp4a(w0.w, x0.w, s);
    s = __dp4a(w1.x, x1.x, s);
    s = __dp4a(w1.y, x1.y, s);
    s = __dp4a(w1.z, x1.z, s);
    return __dp4a(w1.w, x1.w, s);
  }
};

struct Q4_0Block {
  static constexpr int64_t kBytes = 16;
  // Σ (nibble - 8) · x = Σ nibble · x − 8 Σ x.
  __device__ static int dot(const int8_t* w, const int4* x) {
    const int4 packed = *reinterpret_cast<const int4*>(w);
    const int words[4] = {packed.x, packed.y, packed.z, packed.w};
    const int4 x0 = x[0], x1 = x[1];
    const int xs[8] = {x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w};
    int s = 0, sum_x = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      s = __dp4a(words[i] & 0x0F0F0F0F, xs[i], s);
      s = __dp4a((words[i] >> 4) & 0x0F0F0F0F, xs[4 + i], s);
      sum_x = __dp4a(0x01010101, xs[i], __dp4a(0x01010101, xs[4 + i], sum_x));
    }
    return s - 8 * sum_x;
  }
};

// One warp a weight row, each lane a 32-element block at a time, for N rows
// of X at once (each weight block is read once for all of them).
template <class Block, int N>
__global__ void gemv_quant_kernel(DeviceMatrix w, const int8_t* xq, const float* xd, float* y) {
  const int64_t row = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32;
  if (row >= w.rows) return;
  const int lane = threadIdx.x % 32;
  const int64_t nb = w.cols / 32;
  const auto* quants = reinterpret_cast<const int8_t*>(w.data) + row * nb * Block::kBytes;
  const uint16_t* scales = w.scales() + row * nb;
  float acc[N] = {};
  for (int64_t b = lane; b < nb; b += 32) {
    const float dw = half_bits_to_float(scales[b]);
#pragma unroll
    for (int t = 0; t < N; ++t) {
      const int isum = Block::dot(quants + b * Block::kBytes, reinterpret_cast<const int4*>(xq + t * w.cols + b * 32));
      acc[t] += dw * xd[t * nb + b] * static_cast<float>(isum);
    }
  }
#pragma unroll
  for (int t = 0; t < N; ++t) {
    const float sum = warp_sum(acc[t]);
    if (lane == 0) y[t * w.rows + row] = sum;
  }
}

// F32/F16/BF16 weights: one warp a row, 8 elements a lane at a time.
template <DType Type>
__device__ float weight_value(const std::byte* row, int64_t c) {
  if constexpr (Type == DType::F32) return reinterpret_cast<const float*>(row)[c];
  else if constexpr (Type == DType::F16) return half_bits_to_float(reinterpret_cast<const uint16_t*>(row)[c]);
  else return __uint_as_float(static_cast<uint32_t>(reinterpret_cast<const uint16_t*>(row)[c]) << 16);
}

template <DType Type>
__device__ float activation(float x) {
  if constexpr (Type == DType::F16) return __half2float(__float2half_rn(x));  // llama.cpp's vec_dot_type
  else return x;
}

template <DType Type, int N>
__global__ void gemv_float_kernel(DeviceMatrix w, const float* x, float* y) {
  const int64_t row = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32;
  if (row >= w.rows) return;
  const int lane = threadIdx.x % 32;
  constexpr int64_t kSize = Type == DType::F32 ? 4 : 2;
  const std::byte* wrow = w.data + row * w.cols * kSize;
  float acc[N] = {};
  for (int64_t c0 = lane * 8; c0 < w.cols; c0 += 32 * 8) {
    const int64_t end = c0 + 8 < w.cols ? c0 + 8 : w.cols;
    for (int64_t c = c0; c < end; ++c) {
      const float wv = weight_value<Type>(wrow, c);
#pragma unroll
      for (int t = 0; t < N; ++t) acc[t] += wv * activation<Type>(x[t * w.cols + c]);
    }
  }
#pragma unroll
  for (int t = 0; t < N; ++t) {
    const float sum = warp_sum(acc[t]);
    if (lane == 0) y[t * w.rows + row] = sum;
  }
}

template <int N>
void launch_gemv(const DeviceMatrix& w, const float* x, const int8_t* xq, const float* xd, float* y, cudaStream_t s) {
  const auto blocks = static_cast<unsigned>((w.rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  const unsigned threads = 32 * kWarpsPerBlock;
  switch (w.dtype) {
    case DType::Q8_0: gemv_quant_kernel<Q8_0Block, N><<<blocks, threads, 0, s>>>(w, xq, xd, y); break;
    case DType::Q4_0: gemv_quant_kernel<Q4_0Block, N><<<blocks, threads, 0, s>>>(w, xq, xd, y); break;
    case DType::F32: gemv_float_kernel<DType::F32, N><<<blocks, threads, 0, s>>>(w, x, y); break;
    case DType::F16: gemv_float_kernel<DType::F16, N><<<blocks, threads, 0, s>>>(w, x, y); break;
    case DType::BF16: gemv_float_kernel<DType::BF16, N><<<blocks, threads, 0, s>>>(w, x, y); break;
    default: throw CudaError("gemv: no CUDA kernel for this weight type");
  }
}

template <int N = 1>
void dispatch_gemv(int64_t n, const DeviceMatrix& w, const float* x, const int8_t* xq, const float* xd, float* y,
                   cudaStream_t s) {
  if constexpr (N <= kGemvMaxTokens) {
    if (n == N) return launch_gemv<N>(w, x, xq, xd, y, s);
    return dispatch_gemv<N + 1>(n, w, x, xq, xd, y, s);
  }
}

// ---- the GEMM's inputs in 16 bits.
template <bool Bf16>
__global__ void round_to_16bit_kernel(const float* x, int64_t n, uint16_t* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  if constexpr (Bf16) out[i] = __bfloat16_as_ushort(__float2bfloat16_rn(x[i]));
  else out[i] = __half_as_ushort(__float2half_rn(x[i]));
}

// Rows [r0, r0 + rows) of a Q8_0/Q4_0 matrix as F16 (each value d·q is
// rounded once, as ggml's dequantize-to-F16 path does).
__global__ void dequantize_f16_kernel(DeviceMatrix w, int64_t r0, int64_t rows, uint16_t* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= rows * w.cols) return;
  out[i] = __half_as_ushort(__float2half_rn(element(w, r0 + i / w.cols, i % w.cols)));
}

unsigned blocks_of_256(int64_t n) { return static_cast<unsigned>((n + 255) / 256); }

}  // namespace

Matmul::Matmul(cudaStream_t stream) : stream_(stream) {
  cublasHandle_t h = nullptr;
  check_blas(cublasCreate(&h), "creating the cuBLAS handle");
  blas_ = h;
  check_blas(cublasSetStream(h, stream), "setting cuBLAS's stream");
}

Matmul::~Matmul() { cublasDestroy(static_cast<cublasHandle_t>(blas_)); }

void Matmul::grow(DeviceBuffer& b, size_t bytes, const char* what) {
  if (b.size() < bytes) b = DeviceBuffer(bytes, what);
}

void Matmul::operator()(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone) {
  if (n > kGemvMaxTokens && !rows_as_alone) return gemm(w, x, n, y);
  for (int64_t t = 0; t < n; t += kGemvMaxTokens)
    gemv(w, x + t * w.cols, std::min(kGemvMaxTokens, n - t), y + t * w.rows);
}

void Matmul::gemv(const DeviceMatrix& w, const float* x, int64_t n, float* y) {
  const bool quantized = w.dtype == DType::Q8_0 || w.dtype == DType::Q4_0;
  if (quantized) {
    const int64_t blocks = n * w.cols / 32;
    grow(x_quants_, static_cast<size_t>(n * w.cols), "the GEMV's quantized activations");
    grow(x_scales_, static_cast<size_t>(blocks) * sizeof(float), "the GEMV's activation scales");
    quantize_q8_0_kernel<<<blocks_of_256(blocks * 32), 256, 0, stream_>>>(x, blocks, x_quants_.as<int8_t>(),
                                                                          x_scales_.as<float>());
    check(cudaGetLastError(), "quantizing activations to Q8_0");
  }
  dispatch_gemv(n, w, x, x_quants_.as<int8_t>(), x_scales_.as<float>(), y, stream_);
  check(cudaGetLastError(), "gemv");
}

void Matmul::gemm(const DeviceMatrix& w, const float* x, int64_t n, float* y) {
  auto* h = static_cast<cublasHandle_t>(blas_);
  const float one = 1.0f, zero = 0.0f;
  const auto m = static_cast<int>(w.rows), k = static_cast<int>(w.cols), cols = static_cast<int>(n);
  // Row-major Y{n, rows} = X{n, cols} · Wᵀ is column-major Y'{rows, n} = W'ᵀ · X' with W'{cols, rows}.
  if (w.dtype == DType::F32) {
    check_blas(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, cols, k, &one, reinterpret_cast<const float*>(w.data), k, x,
                           k, &zero, y, m),
               "cuBLAS SGEMM");
    return;
  }
  const bool bf16 = w.dtype == DType::BF16;
  const cudaDataType_t type16 = bf16 ? CUDA_R_16BF : CUDA_R_16F;
  grow(x_half_, static_cast<size_t>(n * w.cols) * 2, "the GEMM's 16-bit activations");
  if (bf16) round_to_16bit_kernel<true><<<blocks_of_256(n * w.cols), 256, 0, stream_>>>(x, n * w.cols, x_half_.as<uint16_t>());
  else round_to_16bit_kernel<false><<<blocks_of_256(n * w.cols), 256, 0, stream_>>>(x, n * w.cols, x_half_.as<uint16_t>());
  check(cudaGetLastError(), "rounding activations to 16 bits");
  auto product = [&](const void* w16, int64_t r0, int64_t rows) {
    check_blas(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(rows), cols, k, &one, w16, type16, k,
                            x_half_.data(), type16, k, &zero, y + r0, CUDA_R_32F, m, CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT),
               "cuBLAS GEMM");
  };
  if (w.dtype == DType::F16 || bf16) return product(w.data, 0, w.rows);
  const int64_t slice = std::max<int64_t>(1, std::min<int64_t>(w.rows, kSliceElements / w.cols));
  grow(w_half_, static_cast<size_t>(slice * w.cols) * 2, "the GEMM's dequantized weights");
  for (int64_t r0 = 0; r0 < w.rows; r0 += slice) {
    const int64_t rows = std::min(slice, w.rows - r0);
    dequantize_f16_kernel<<<blocks_of_256(rows * w.cols), 256, 0, stream_>>>(w, r0, rows, w_half_.as<uint16_t>());
    check(cudaGetLastError(), "dequantizing weights to F16");
    product(w_half_.data(), r0, rows);
  }
}

}  // namespace reach::run::cuda
