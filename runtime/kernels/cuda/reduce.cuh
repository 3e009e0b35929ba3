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

// The sum over the whole block (blockDim.x a multiple of 32, at most 1024),
// returned to every thread.
template <class T>
__device__ T block_sum(T v) {
  __shared__ T partial[32];
  v = warp_sum(v);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  T total = lane < warps ? partial[lane] : T(0);
  total = warp_sum(total);
  __syncthreads();  // partial may be reused by the next call
  return total;
}

}  // namespace reach::run::cuda
