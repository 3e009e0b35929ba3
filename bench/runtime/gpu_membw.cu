// reach-gpu-membw: the GPU's memory bandwidth, the ceiling of a decode step
// on it (docs/runtime.md's CUDA table divides by it). A 4 GiB buffer (far
// past any L2), read with 16-byte loads by a grid that fills the GPU, best
// of 20 timed passes with CUDA events; also a device-to-device copy
// (counting bytes read and written), as others quote it.
//
//   reach-gpu-membw [--gib 4] [--device N]
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

#define CHECK(call)                                                              \
  do {                                                                           \
    const cudaError_t e = (call);                                                \
    if (e != cudaSuccess) {                                                      \
      std::fprintf(stderr, "reach-gpu-membw: %s: %s\n", #call, cudaGetErrorString(e)); \
      std::exit(2);                                                              \
    }                                                                            \
  } while (0)

// Sums every word so nothing can be skipped; writes only if the sum is an
// impossible value, so the stores cost nothing.
__global__ void read_kernel(const int4* data, size_t n, int* sink) {
  int acc = 0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const int4 v = data[i];
    acc ^= v.x + v.y + v.z + v.w;
  }
  if (acc == 0x7fffffff) *sink = acc;
}

template <class Launch>
float best_ms(Launch launch) {
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  launch();  // warm-up
  float best = 1e30f;
  for (int i = 0; i < 20; ++i) {
    CHECK(cudaEventRecord(start));
    launch();
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    best = ms < best ? ms : best;
  }
  CHECK(cudaGetLastError());
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t gib = 4;
  int device = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--gib")) gib = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--device")) device = std::atoi(argv[i + 1]);
  }
  CHECK(cudaSetDevice(device));
  cudaDeviceProp p{};
  CHECK(cudaGetDeviceProperties(&p, device));
  const size_t bytes = gib << 30;
  int4 *a = nullptr, *b = nullptr;
  int* sink = nullptr;
  CHECK(cudaMalloc(&a, bytes));
  CHECK(cudaMalloc(&b, bytes));
  CHECK(cudaMalloc(&sink, sizeof(int)));
  CHECK(cudaMemset(a, 1, bytes));
  const unsigned blocks = static_cast<unsigned>(p.multiProcessorCount) * 8;
  const float read_ms = best_ms([&] { read_kernel<<<blocks, 512>>>(a, bytes / sizeof(int4), sink); });
  const float copy_ms = best_ms([&] { CHECK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice)); });
  std::printf("gpu: %s (%d SMs, L2 %d MiB)\n", p.name, p.multiProcessorCount, p.l2CacheSize >> 20);
  std::printf("buffer_GiB %zu\n", gib);
  std::printf("read_GBps %.1f\n", static_cast<double>(bytes) / (read_ms * 1e6));
  std::printf("copy_GBps %.1f\n", 2.0 * static_cast<double>(bytes) / (copy_ms * 1e6));
  return 0;
}
