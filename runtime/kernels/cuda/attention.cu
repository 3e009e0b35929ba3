// Causal grouped-query attention over a KV cache in device memory, the CUDA
// twin of kernels/attention.cpp. FlashAttention's scheme in F32: a block
// holds up to four query tokens of one head, one warp each; it walks the keys
// in tiles of 32 that it loads once into shared memory for all its queries,
// and each warp keeps a running maximum, sum and output (the online
// softmax), so no score matrix exists anywhere. Decode (one token) runs one
// block a head too, its other three warps only loading the tiles.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/reduce.cuh"

namespace reach::run::cuda {

namespace {

constexpr int kTile = 32;  // keys per tile: one a lane

struct Problem {
  const float* q;
  const float* k;
  const float* v;
  float* out;
  int64_t n_tokens, pos0;
  const int64_t* pos0_at;  // when set, pos0 is read from device memory here
  int32_t n_heads, n_kv_heads;
  float scale;
  // splits > 1: the keys are cut into `splits` runs of whole tiles, one a
  // block (blockIdx.z), each writing its unnormalised output, maximum and
  // sum to `partial` for combine_kernel.
  int splits;
  float* partial;
};

// Where split z's partial results for (token, head) go: the output
// {splits, n_tokens, q_dim}, then the maxima and sums {splits, n_tokens, n_heads}.
struct Partials {
  float *acc, *max, *sum;
  __host__ __device__ Partials(float* base, int splits, int64_t n_tokens, int32_t n_heads, int64_t q_dim)
      : acc(base), max(base + splits * n_tokens * q_dim), sum(max + splits * n_tokens * n_heads) {}
};

// D32 = head_dim / 32: the output values each lane keeps.
template <int D32>
__global__ void attention_kernel(Problem p) {
  constexpr int kHeadDim = 32 * D32;
  extern __shared__ float shared[];
  float* keys = shared;                         // [kTile][kHeadDim + 1]: the pad spreads a column over the banks
  float* values = keys + kTile * (kHeadDim + 1);  // [kTile][kHeadDim]
  float* queries = values + kTile * kHeadDim;   // [warps][kHeadDim]

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  const int head = blockIdx.y, kv_head = head / (p.n_heads / p.n_kv_heads);
  const int64_t q_dim = int64_t{p.n_heads} * kHeadDim, kv_dim = int64_t{p.n_kv_heads} * kHeadDim;
  const int64_t token = blockIdx.x * static_cast<int64_t>(warps) + warp;
  const bool active = token < p.n_tokens;
  const int64_t pos0 = p.pos0_at ? *p.pos0_at : p.pos0;
  const int64_t pos = pos0 + token;  // this warp's query sees keys 0..pos
  const int64_t last_token = min(p.n_tokens, (blockIdx.x + 1) * static_cast<int64_t>(warps)) - 1;
  const int64_t last_key = pos0 + last_token;  // the block's
  // This block's run of keys: whole tiles, the last run ending at last_key.
  const int64_t tiles = last_key / kTile + 1, per_split = (tiles + p.splits - 1) / p.splits;
  const int64_t first_key = blockIdx.z * per_split * kTile;
  const int64_t end_key = min(last_key + 1, (blockIdx.z + 1) * per_split * kTile);

  float* query = queries + warp * kHeadDim;
  if (active)
    for (int d = lane; d < kHeadDim; d += 32) query[d] = p.q[token * q_dim + head * kHeadDim + d];

  float running_max = -INFINITY, running_sum = 0.0f, acc[D32] = {};
  for (int64_t k0 = first_key; k0 < end_key; k0 += kTile) {
    __syncthreads();  // the previous tile is no longer read (and the queries are written)
    // 16 bytes a load: a key row starts at a multiple of 32 floats.
    for (int i = threadIdx.x; i < kTile * kHeadDim / 4; i += blockDim.x) {
      const int j = i / (kHeadDim / 4), d = i % (kHeadDim / 4) * 4;
      if (k0 + j > last_key) continue;
      const int64_t at = (k0 + j) * kv_dim + kv_head * kHeadDim + d;
      const float4 key = *reinterpret_cast<const float4*>(p.k + at);
      float* to = keys + j * (kHeadDim + 1) + d;
      to[0] = key.x, to[1] = key.y, to[2] = key.z, to[3] = key.w;
      *reinterpret_cast<float4*>(values + j * kHeadDim + d) = *reinterpret_cast<const float4*>(p.v + at);
    }
    __syncthreads();
    if (!active || k0 > pos) continue;  // every key of this tile is in this query's future

    const int64_t key = k0 + lane;
    float score = -INFINITY;
    if (key <= pos) {
      float dot = 0.0f;
      const float* krow = keys + lane * (kHeadDim + 1);
#pragma unroll 8
      for (int d = 0; d < kHeadDim; ++d) dot += query[d] * krow[d];
      score = dot * p.scale;
    }
    const float new_max = fmaxf(running_max, warp_max(score));
    const float correction = expf(running_max - new_max);  // 0 on the first tile
    const float weight = key <= pos ? expf(score - new_max) : 0.0f;
    running_sum = running_sum * correction + warp_sum(weight);
    running_max = new_max;
#pragma unroll
    for (int c = 0; c < D32; ++c) acc[c] *= correction;
    // Only the keys this query sees: the tile's slots past the block's last
    // key hold whatever shared memory held before, NaN included, and 0 · NaN
    // would poison the sum.
    const int seen = static_cast<int>(min(static_cast<int64_t>(kTile), pos - k0 + 1));
    for (int j = 0; j < seen; ++j) {
      const float w = __shfl_sync(0xffffffffu, weight, j);
#pragma unroll
      for (int c = 0; c < D32; ++c) acc[c] += w * values[j * kHeadDim + lane + 32 * c];
    }
  }
  if (!active) return;
  if (p.splits > 1) {  // an empty run leaves max -inf and sum 0: it weighs nothing in the combination
    const Partials part(p.partial, p.splits, p.n_tokens, p.n_heads, q_dim);
    const int64_t at = blockIdx.z * p.n_tokens + token;
#pragma unroll
    for (int c = 0; c < D32; ++c) part.acc[at * q_dim + head * kHeadDim + lane + 32 * c] = acc[c];
    if (lane == 0) part.max[at * p.n_heads + head] = running_max, part.sum[at * p.n_heads + head] = running_sum;
    return;
  }
#pragma unroll
  for (int c = 0; c < D32; ++c) p.out[token * q_dim + head * kHeadDim + lane + 32 * c] = acc[c] / running_sum;
}

// The splits' partial results into each (token, head)'s output: each run's
// output and sum scaled by exp(its max - the overall max), as the online
// softmax rescales between tiles. One block a (token, head), a thread a value.
__global__ void combine_kernel(Problem p, int32_t head_dim) {
  const int64_t token = blockIdx.x;
  const int head = blockIdx.y, d = threadIdx.x;
  const int64_t q_dim = int64_t{p.n_heads} * head_dim;
  const Partials part(p.partial, p.splits, p.n_tokens, p.n_heads, q_dim);
  float overall = -INFINITY;
  for (int z = 0; z < p.splits; ++z) overall = fmaxf(overall, part.max[(z * p.n_tokens + token) * p.n_heads + head]);
  float value = 0.0f, sum = 0.0f;
  for (int z = 0; z < p.splits; ++z) {
    const int64_t at = (z * p.n_tokens + token) * p.n_heads + head;
    const float weight = expf(part.max[at] - overall);  // 0 for an empty run
    value += weight * part.acc[(z * p.n_tokens + token) * q_dim + head * head_dim + d];
    sum += weight * part.sum[at];
  }
  p.out[token * q_dim + head * head_dim + d] = value / sum;
}

template <int D32>
void launch(const Problem& p, cudaStream_t s) {
  constexpr int kHeadDim = 32 * D32;
  // Four warps load each tile even for one query (decode): one warp alone
  // waited on its loads a tile at a time.
  const int warps = 4;
  const size_t shared = sizeof(float) * (kTile * (kHeadDim + 1) + kTile * kHeadDim + warps * kHeadDim);
  static const cudaError_t raised = cudaFuncSetAttribute(attention_kernel<D32>,
                                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                         static_cast<int>(shared));
  check(raised, "raising attention's shared-memory limit");
  const dim3 grid(static_cast<unsigned>((p.n_tokens + warps - 1) / warps), static_cast<unsigned>(p.n_heads),
                  static_cast<unsigned>(p.splits));
  attention_kernel<D32><<<grid, 32 * warps, shared, s>>>(p);
  check(cudaGetLastError(), "attention");
  if (p.splits > 1) {
    combine_kernel<<<dim3(static_cast<unsigned>(p.n_tokens), static_cast<unsigned>(p.n_heads)), kHeadDim, 0, s>>>(
        p, kHeadDim);
    check(cudaGetLastError(), "attention's combination");
  }
}

}  // namespace

bool attention_supports(int32_t head_dim) { return head_dim % 32 == 0 && head_dim >= 32 && head_dim <= 256; }

int attention_splits(int64_t n_tokens, int64_t positions) {
  if (n_tokens > kMaxSplitTokens) return 1;
  return static_cast<int>(std::clamp<int64_t>((positions + kKeysPerSplit - 1) / kKeysPerSplit, 1, kMaxSplits));
}

size_t attention_scratch_floats(int64_t n_tokens, AttentionShape shape) {
  if (n_tokens > kMaxSplitTokens) return 0;
  return static_cast<size_t>(kMaxSplits * n_tokens * shape.n_heads * (shape.head_dim + 2));
}

void attention(const float* q, int64_t n_tokens, int64_t pos0, const float* k, const float* v, AttentionShape shape,
               float* out, cudaStream_t s, const int64_t* pos0_at, float* scratch) {
  if (n_tokens == 0) return;
  if (!attention_supports(shape.head_dim))
    throw CudaError("attention: head_dim " + std::to_string(shape.head_dim) +
                    " has no CUDA kernel (multiples of 32 up to 256)");
  const int splits = scratch ? attention_splits(n_tokens, pos0 + n_tokens) : 1;
  const Problem p{q,  k, v, out, n_tokens, pos0, pos0_at, shape.n_heads, shape.n_kv_heads,
                  1.0f / std::sqrt(static_cast<float>(shape.head_dim)), splits, scratch};
  switch (shape.head_dim / 32) {
    case 1: return launch<1>(p, s);
    case 2: return launch<2>(p, s);
    case 3: return launch<3>(p, s);
    case 4: return launch<4>(p, s);
    case 5: return launch<5>(p, s);
    case 6: return launch<6>(p, s);
    case 7: return launch<7>(p, s);
    default: return launch<8>(p, s);
  }
}

}  // namespace reach::run::cuda
