#include "kernels/cuda/matmul.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/block_codes.h"
#include "kernels/cuda/cublas_loader.h"
#include "kernels/cuda/device_element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace reach::run::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;
// Dequantized W is multiplied a slice of rows at a time: 32 Mi F16 values
// (64 MiB) of scratch at most, whatever the matrix.
constexpr int64_t kSliceElements = int64_t{32} << 20;

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw CudaError(std::string(what) + ": " + cublas().status_string(s));
}

// ---- X as Q8_0, as quantize_row_q8_0 does it on the CPU: d = amax/127
// stored as F16, q = round-half-even(x · 127/amax). One warp a block. With
// `s`, also block_q8_1's s = d·Σq rounded to F16 (d before its rounding),
// which Q4_1/Q5_1's minimums multiply.
__global__ void quantize_q8_0_kernel(const float* x, int64_t blocks, int8_t* q, float* d, float* s) {
  const int64_t b = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  if (b >= blocks) return;
  const int lane = threadIdx.x % 32;
  const float v = x[b * 32 + lane];
  const float amax = warp_max(fabsf(v));
  const float id = amax != 0.0f && isfinite(127.0f / amax) ? 127.0f / amax : 0.0f;
  const int code = __float2int_rn(v * id);
  q[b * 32 + lane] = static_cast<int8_t>(code);
  if (lane == 0) d[b] = __half2float(__float2half_rn(amax / 127.0f));
  if (s) {
    const int sum = warp_sum(code);
    if (lane == 0) s[b] = __half2float(__float2half_rn(amax / 127.0f * static_cast<float>(sum)));
  }
}

// ---- X as Q8_K, as quantize_row_q8_k does it on the CPU: per 256 values,
// the first of largest magnitude maps to -127 (iscale = -127/it), codes
// round half to even, capped at 127, d = 1/iscale; a block whose iscale is
// not finite (or 0) is all zeros. One thread a value, one block a super-block.
__global__ void quantize_q8_k_kernel(const float* x, int8_t* q, float* d) {
  const int64_t at = blockIdx.x * int64_t{256} + threadIdx.x;
  const float v = x[at];
  const float amax = block_reduce(fabsf(v), [](float a, float b) { return fmaxf(a, b); }, 0.0f);
  const int first = block_reduce(fabsf(v) == amax ? static_cast<int>(threadIdx.x) : 256,
                                 [](int a, int b) { return min(a, b); }, 256);
  const float iscale = amax != 0.0f ? -127.0f / x[blockIdx.x * int64_t{256} + first] : 0.0f;
  if (!isfinite(iscale) || iscale == 0.0f) {
    q[at] = 0;
    if (threadIdx.x == 0) d[blockIdx.x] = 0.0f;
    return;
  }
  const float scaled = v * iscale;
  q[at] = static_cast<int8_t>(isnan(scaled) ? 0 : min(127, __float2int_rn(scaled)));
  if (threadIdx.x == 0) d[blockIdx.x] = 1.0f / iscale;
}

// ---- the integer block dots: 32 int8 products of one block, summed. Each
// type's bytes of a block are loaded first (Data) and multiplied after, so a
// lane can have several blocks' loads in flight at once.
struct Q8_0Block {
  static constexpr int64_t kBytes = 32;
  struct Data {
    int4 lo, hi;
  };
  __device__ static Data load(const int8_t* w) {
    return {reinterpret_cast<const int4*>(w)[0], reinterpret_cast<const int4*>(w)[1]};
  }
  __device__ static int dot(const Data& w, const int4* x) {
    const int4 x0 = x[0], x1 = x[1];
    int s = __dp4a(w.lo.x, x0.x, 0);
    s = __dp4a(w.lo.y, x0.y, s);
    s = __dp4a(w.lo.z, x0.z, s);
    s = __dp4a(w.lo.w, x0.w, s);
    s = __dp4a(w.hi.x, x1.x, s);
    s = __dp4a(w.hi.y, x1.y, s);
    s = __dp4a(w.hi.z, x1.z, s);
    return __dp4a(w.hi.w, x1.w, s);
  }
};

struct Q4_0Block {
  static constexpr int64_t kBytes = 16;
  using Data = int4;
  __device__ static Data load(const int8_t* w) { return *reinterpret_cast<const int4*>(w); }
  // Σ (nibble - 8) · x = Σ nibble · x − 8 Σ x.
  __device__ static int dot(const Data& packed, const int4* x) {
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

// Loads a lane issues before it waits for the first: one 4096-wide row of
// Q4_0 is then one round trip to memory (a lane's 4 blocks), where one load
// at a time left decode at 15% of the H100's bandwidth.
constexpr int kInFlight = 4;

// Where a GEMV writes row r of token t: y[t·rows + r] = the product, or
// += it (the residual add, y + product: the CPU's x += xb, the same bits).
struct Output {
  float* y;
  bool add;
  __device__ void store(int64_t i, float product) const { y[i] = add ? y[i] + product : product; }
};

// Up to three matrices of one type and width whose rows one launch runs one
// after another (q, k and v; gate and up): fewer launches, and the small
// ones (k and v under grouped-query attention) no longer leave most of the
// GPU idle for a launch of their own.
constexpr int kMaxStacked = 3;
struct Stack {
  DeviceMatrix w[kMaxStacked];
  Output y[kMaxStacked];
  int count = 0;

  int64_t rows() const {
    int64_t n = 0;
    for (int i = 0; i < count; ++i) n += w[i].rows;
    return n;
  }
  // The matrix, its output and its row for the launch's row r; false past
  // the last. Static indices only: a run-time index into a kernel's
  // parameters would copy them to local memory.
  __device__ bool find(int64_t r, DeviceMatrix& matrix, Output& out, int64_t& row) const {
    if (r < w[0].rows) return matrix = w[0], out = y[0], row = r, true;
    r -= w[0].rows;
    if (count > 1 && r < w[1].rows) return matrix = w[1], out = y[1], row = r, true;
    r -= w[1].rows;
    if (count > 2 && r < w[2].rows) return matrix = w[2], out = y[2], row = r, true;
    return false;
  }
};

// The launch's row a warp computes (one warp a row).
__device__ int64_t warp_row() { return blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32; }

// One warp a weight row, each lane a 32-element block at a time, for N rows
// of X at once (each weight block is read once for all of them). A lane's
// blocks are summed in column order whatever kInFlight is.
template <class Block, int N>
__global__ void gemv_quant_kernel(Stack stack, const int8_t* xq, const float* xd) {
  DeviceMatrix w;
  Output y;
  int64_t row;
  if (!stack.find(warp_row(), w, y, row)) return;
  const int lane = threadIdx.x % 32;
  const int64_t nb = w.cols / 32;
  const auto* quants = reinterpret_cast<const int8_t*>(w.data) + row * nb * Block::kBytes;
  const uint16_t* scales = w.scales() + row * nb;
  float acc[N] = {};
  for (int64_t b0 = lane; b0 < nb; b0 += 32 * kInFlight) {
    typename Block::Data data[kInFlight];
    float dw[kInFlight];
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      if (b0 + 32 * u >= nb) break;
      data[u] = Block::load(quants + (b0 + 32 * u) * Block::kBytes);
      dw[u] = half_bits_to_float(scales[b0 + 32 * u]);
    }
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t b = b0 + 32 * u;
      if (b >= nb) break;
#pragma unroll
      for (int t = 0; t < N; ++t) {
        const int isum = Block::dot(data[u], reinterpret_cast<const int4*>(xq + t * w.cols + b * 32));
        acc[t] += dw[u] * xd[t * nb + b] * static_cast<float>(isum);
      }
    }
  }
#pragma unroll
  for (int t = 0; t < N; ++t) {
    const float sum = warp_sum(acc[t]);
    if (lane == 0) y.store(t * w.rows + row, sum);
  }
}

// Q4_1/Q5_0/Q5_1 and the K-quants, read in the file's layout
// (block_codes.h): one warp a row, each lane a group of 32 elements at a
// time, kInFlight groups decoded (their loads issued) before the first
// product; a group's codes times the activation's as two integer dots. X
// is Q8_K for the K-quants (scales xd per 256 values), Q8_0 with s (xs)
// for the others. A lane's groups are summed in column order.
template <DType Type, int N>
__global__ void gemv_codes_kernel(Stack stack, const int8_t* xq, const float* xd, const float* xs) {
  constexpr int kGroups = codes::kBlockElems<Type> / 32;  // per block
  DeviceMatrix w;
  Output y;
  int64_t row;
  if (!stack.find(warp_row(), w, y, row)) return;
  const int lane = threadIdx.x % 32;
  const int64_t groups = w.cols / 32, blocks = w.cols / codes::kBlockElems<Type>;
  const auto* wrow = reinterpret_cast<const uint8_t*>(w.data) + row * blocks * codes::kBlockBytes<Type>;
  float acc[N] = {};
  for (int64_t g0 = lane; g0 < groups; g0 += 32 * kInFlight) {
    codes::Group group[kInFlight];
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t g = g0 + 32 * u;
      if (g >= groups) break;
      group[u] = codes::decode<Type>(wrow + g / kGroups * codes::kBlockBytes<Type>, static_cast<int>(g % kGroups));
    }
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t g = g0 + 32 * u;
      if (g >= groups) break;
#pragma unroll
      for (int t = 0; t < N; ++t) {
        const auto* x = reinterpret_cast<const uint4*>(xq + t * w.cols + g * 32);  // 32 codes in two loads
        const uint4 lo = x[0], hi = x[1];
        const uint32_t q8[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
        if constexpr (codes::k_quant(Type)) acc[t] += codes::k_group_dot(group[u], q8, xd[t * blocks + g / kGroups]);
        else acc[t] += codes::block32_dot(group[u], q8, xd[t * groups + g], xs[t * groups + g]);
      }
    }
  }
#pragma unroll
  for (int t = 0; t < N; ++t) {
    const float sum = warp_sum(acc[t]);
    if (lane == 0) y.store(t * w.rows + row, sum);
  }
}

// F32/F16/BF16 weights: 8 consecutive values of a row, in one 16-byte load
// (two for F32); rows start at multiples of 32 values.
template <DType Type>
struct Eight {
  float v[8];
  Eight() = default;
  __device__ explicit Eight(const std::byte* row, int64_t c) {
    if constexpr (Type == DType::F32) {
      const float4 a = reinterpret_cast<const float4*>(row)[c / 4], b = reinterpret_cast<const float4*>(row)[c / 4 + 1];
      v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
    } else {
      const uint4 packed = *reinterpret_cast<const uint4*>(row + 2 * c);
      const uint32_t words[4] = {packed.x, packed.y, packed.z, packed.w};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        v[2 * i] = value(static_cast<uint16_t>(words[i] & 0xFFFFu));
        v[2 * i + 1] = value(static_cast<uint16_t>(words[i] >> 16));
      }
    }
  }
  __device__ static float value(uint16_t bits) {
    if constexpr (Type == DType::F16) return half_bits_to_float(bits);
    else return __uint_as_float(static_cast<uint32_t>(bits) << 16);
  }
};

template <DType Type>
__device__ float activation(float x) {
  if constexpr (Type == DType::F16) return __half2float(__float2half_rn(x));  // llama.cpp's vec_dot_type
  else return x;
}

// One warp a row, 8 values a lane at a time, kInFlight such loads issued
// before the first product; each lane's sum runs in column order.
template <DType Type, int N>
__global__ void gemv_float_kernel(Stack stack, const float* x) {
  DeviceMatrix w;
  Output y;
  int64_t row;
  if (!stack.find(warp_row(), w, y, row)) return;
  const int lane = threadIdx.x % 32;
  constexpr int64_t kSize = Type == DType::F32 ? 4 : 2;
  const std::byte* wrow = w.data + row * w.cols * kSize;
  float acc[N] = {};
  for (int64_t c0 = lane * 8; c0 < w.cols; c0 += 32 * 8 * kInFlight) {
    Eight<Type> weights[kInFlight];
#pragma unroll
    for (int u = 0; u < kInFlight; ++u)
      if (c0 + 256 * u < w.cols) weights[u] = Eight<Type>(wrow, c0 + 256 * u);
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int64_t c = c0 + 256 * u;
      if (c >= w.cols) break;
#pragma unroll
      for (int t = 0; t < N; ++t) {
        const float4 a = *reinterpret_cast<const float4*>(x + t * w.cols + c);
        const float4 b = *reinterpret_cast<const float4*>(x + t * w.cols + c + 4);
        const float xs[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[t] += weights[u].v[e] * activation<Type>(xs[e]);
      }
    }
  }
#pragma unroll
  for (int t = 0; t < N; ++t) {
    const float sum = warp_sum(acc[t]);
    if (lane == 0) y.store(t * w.rows + row, sum);
  }
}

template <int N>
void launch_gemv(const Stack& w, const float* x, const int8_t* xq, const float* xd, const float* xs, cudaStream_t s) {
  const auto blocks = static_cast<unsigned>((w.rows() + kWarpsPerBlock - 1) / kWarpsPerBlock);
  const unsigned threads = 32 * kWarpsPerBlock;
  switch (w.w[0].dtype) {
    case DType::Q8_0: gemv_quant_kernel<Q8_0Block, N><<<blocks, threads, 0, s>>>(w, xq, xd); break;
    case DType::Q4_0: gemv_quant_kernel<Q4_0Block, N><<<blocks, threads, 0, s>>>(w, xq, xd); break;
    case DType::F32: gemv_float_kernel<DType::F32, N><<<blocks, threads, 0, s>>>(w, x); break;
    case DType::F16: gemv_float_kernel<DType::F16, N><<<blocks, threads, 0, s>>>(w, x); break;
    case DType::BF16: gemv_float_kernel<DType::BF16, N><<<blocks, threads, 0, s>>>(w, x); break;
    default:
      codes::with_type(w.w[0].dtype, [&]<DType Type>() {
        gemv_codes_kernel<Type, N><<<blocks, threads, 0, s>>>(w, xq, xd, xs);
      });
  }
}

template <int N = 1>
void dispatch_gemv(int64_t n, const Stack& w, const float* x, const int8_t* xq, const float* xd, const float* xs,
                   cudaStream_t s) {
  if constexpr (N <= kGemvMaxTokens) {
    if (n == N) return launch_gemv<N>(w, x, xq, xd, xs, s);
    return dispatch_gemv<N + 1>(n, w, x, xq, xd, xs, s);
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

// Rows [r0, r0 + rows) of a quantized matrix as F16 (each value d·q is
// rounded once, as ggml's dequantize-to-F16 path does).
__global__ void dequantize_f16_kernel(DeviceMatrix w, int64_t r0, int64_t rows, uint16_t* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= rows * w.cols) return;
  out[i] = __half_as_ushort(__float2half_rn(element(w, r0 + i / w.cols, i % w.cols)));
}

// The same for the types in the file's layout, one thread a group of 32
// elements: each group decoded once, not once for each of its elements.
template <DType Type>
__global__ void dequantize_groups_f16_kernel(DeviceMatrix w, int64_t r0, int64_t rows, uint16_t* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t per_row = w.cols / 32;
  if (i >= rows * per_row) return;
  const codes::Group group =
      codes::group_at<Type>(reinterpret_cast<const uint8_t*>(w.data), w.cols, r0 + i / per_row, i % per_row);
  uint16_t* to = out + i * 32;
  for (int l = 0; l < 32; ++l) to[l] = __half_as_ushort(__float2half_rn(codes::value(group, l)));
}

unsigned blocks_of_256(int64_t n) { return static_cast<unsigned>((n + 255) / 256); }

}  // namespace

Matmul::Matmul(cudaStream_t stream) : stream_(stream) {
  cublasHandle_t h = nullptr;
  check_blas(cublas().create(&h), "creating the cuBLAS handle");
  blas_ = h;
  check_blas(cublas().set_stream(h, stream), "setting cuBLAS's stream");
}

Matmul::~Matmul() { cublas().destroy(static_cast<cublasHandle_t>(blas_)); }

void Matmul::grow(DeviceBuffer& b, size_t bytes, const char* what) {
  if (b.size() >= bytes) return;
  b = DeviceBuffer(bytes, what);
  ++generation_;
}

void Matmul::operator()(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone) {
  const Product product{&w, y, false};
  (*this)({&product, 1}, x, n, rows_as_alone);
}

void Matmul::operator()(std::span<const Product> products, const float* x, int64_t n, bool rows_as_alone) {
  if (n > kGemvMaxTokens && !rows_as_alone) {
    for (const Product& p : products) gemm(*p.w, x, n, p.y, p.add);
    return;
  }
  const int64_t cols = products[0].w->cols;
  for (int64_t t = 0; t < n; t += kGemvMaxTokens) {
    const int64_t rows = std::min(kGemvMaxTokens, n - t);
    const float* xt = x + t * cols;
    Activation ready = Activation::AsIs;  // what x_quants_ holds for these rows
    for (size_t i = 0; i < products.size();) {
      const DType type = products[i].w->dtype;
      const Activation kind = activation_for(type);
      if (kind != Activation::AsIs && kind != ready) quantize(kind, xt, rows, cols), ready = kind;
      Stack stack;  // the next products of this type, up to kMaxStacked
      for (; i < products.size() && products[i].w->dtype == type && stack.count < kMaxStacked; ++i, ++stack.count) {
        stack.w[stack.count] = *products[i].w;
        stack.y[stack.count] = Output{products[i].y + t * products[i].w->rows, products[i].add};
      }
      dispatch_gemv(rows, stack, xt, x_quants_.as<int8_t>(), x_scales_.as<float>(), x_sums_.as<float>(), stream_);
      check(cudaGetLastError(), "gemv");
    }
  }
}

Matmul::Activation Matmul::activation_for(DType type) {
  if (type == DType::Q8_0 || type == DType::Q4_0) return Activation::Q8_0;
  if (codes::k_quant(type)) return Activation::Q8_K;
  // Q4_1/Q5_0/Q5_1's kernel reads s for every block (Q5_0's has no minimum
  // to multiply it with, but its reads must still land).
  if (codes::in_file_layout(type)) return Activation::Q8_0WithSums;
  return Activation::AsIs;
}

void Matmul::quantize(Activation kind, const float* x, int64_t n, int64_t cols) {
  grow(x_quants_, static_cast<size_t>(n * cols), "the GEMV's quantized activations");
  if (kind == Activation::Q8_K) {
    const int64_t blocks = n * cols / 256;
    grow(x_scales_, static_cast<size_t>(blocks) * sizeof(float), "the GEMV's activation scales");
    quantize_q8_k_kernel<<<static_cast<unsigned>(blocks), 256, 0, stream_>>>(x, x_quants_.as<int8_t>(),
                                                                              x_scales_.as<float>());
    check(cudaGetLastError(), "quantizing activations to Q8_K");
    return;
  }
  const int64_t blocks = n * cols / 32;
  const bool with_sums = kind == Activation::Q8_0WithSums;
  grow(x_scales_, static_cast<size_t>(blocks) * sizeof(float), "the GEMV's activation scales");
  if (with_sums) grow(x_sums_, static_cast<size_t>(blocks) * sizeof(float), "the GEMV's activation sums");
  quantize_q8_0_kernel<<<blocks_of_256(blocks * 32), 256, 0, stream_>>>(
      x, blocks, x_quants_.as<int8_t>(), x_scales_.as<float>(), with_sums ? x_sums_.as<float>() : nullptr);
  check(cudaGetLastError(), "quantizing activations to Q8_0");
}

void Matmul::gemm(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool add) {
  auto* h = static_cast<cublasHandle_t>(blas_);
  // beta = 1 adds the product to Y in one rounding, as the GEMV's y + product.
  const float one = 1.0f, beta = add ? 1.0f : 0.0f;
  const auto m = static_cast<int>(w.rows), k = static_cast<int>(w.cols), cols = static_cast<int>(n);
  // Row-major Y{n, rows} = X{n, cols} · Wᵀ is column-major Y'{rows, n} = W'ᵀ · X' with W'{cols, rows}.
  if (w.dtype == DType::F32) {
    check_blas(cublas().sgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, cols, k, &one, reinterpret_cast<const float*>(w.data), k,
                              x, k, &beta, y, m),
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
    check_blas(cublas().gemm_ex(h, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(rows), cols, k, &one, w16, type16, k,
                                x_half_.data(), type16, k, &beta, y + r0, CUDA_R_32F, m, CUBLAS_COMPUTE_32F,
                                CUBLAS_GEMM_DEFAULT),
               "cuBLAS GEMM");
  };
  if (w.dtype == DType::F16 || bf16) return product(w.data, 0, w.rows);
  const int64_t slice = std::max<int64_t>(1, std::min<int64_t>(w.rows, kSliceElements / w.cols));
  grow(w_half_, static_cast<size_t>(slice * w.cols) * 2, "the GEMM's dequantized weights");
  for (int64_t r0 = 0; r0 < w.rows; r0 += slice) {
    const int64_t rows = std::min(slice, w.rows - r0);
    if (codes::in_file_layout(w.dtype)) {
      codes::with_type(w.dtype, [&]<DType Type>() {
        dequantize_groups_f16_kernel<Type>
            <<<blocks_of_256(rows * w.cols / 32), 256, 0, stream_>>>(w, r0, rows, w_half_.as<uint16_t>());
      });
    } else {
      dequantize_f16_kernel<<<blocks_of_256(rows * w.cols), 256, 0, stream_>>>(w, r0, rows, w_half_.as<uint16_t>());
    }
    check(cudaGetLastError(), "dequantizing weights to F16");
    product(w_half_.data(), r0, rows);
  }
}

}  // namespace reach::run::cuda
