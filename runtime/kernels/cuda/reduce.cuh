#pragma once
// Sums and maxima across a warp and across a block, for the CUDA kernels.

namespace reach::run::cuda {

template <class T>
__device__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ inline float warp_max(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// op over the whole block (blockDim.x a multiple of 32, at most 1024),
// returned to every thread; `identity` fills the missing warps' places.
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T identity) {
  __shared__ T partial[32];
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  T total = lane < warps ? partial[lane] : identity;
  for (int offset = 16; offset > 0; offset /= 2) total = op(total, __shfl_xor_sync(0xffffffffu, total, offset));
  __syncthreads();  // partial may be reused by the next call
  return total;
}

template <class T>
__device__ T block_sum(T v) {
  return block_reduce(v, [](T a, T b) { return a + b; }, T(0));
}

}  // namespace reach::run::cuda
