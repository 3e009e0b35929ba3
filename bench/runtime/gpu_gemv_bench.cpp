// reach-gpu-gemv-bench: the decode GEMV of the CUDA backend (kernels/cuda/
// matmul.h, one row of activations) alone, per weight type and shape, as
// the bytes of W it reads per second: what a decode step's products can
// reach against reach-gpu-membw's ceiling, without the rest of the step.
// Each matrix gets random bytes (a GEMV's time does not depend on their
// values) and is multiplied 200 times back to back between CUDA events
// (the activation's quantization included, as in a decode step); several
// matrices of the shape are cycled so that W comes from memory, not L2.
//
//   reach-gpu-gemv-bench [--device N] [--types f16,q8_0,...]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "formats/tensor_type.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/matmul.h"

namespace {

using namespace reach::run;

struct Shape {
  const char* name;
  int64_t rows, cols;
};
// Llama-2-7B's decode products, and TinyLlama's.
const Shape kShapes[] = {{"7B q/k/v/o", 4096, 4096},  {"7B gate/up", 11008, 4096}, {"7B down", 4096, 11008},
                         {"7B lm_head", 32000, 4096}, {"1.1B q/o", 2048, 2048},    {"1.1B k/v", 256, 2048},
                         {"1.1B gate/up", 5632, 2048}, {"1.1B down", 2048, 5632}};

std::vector<DType> parse_types(const std::string& list) {
  std::vector<DType> types;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t end = std::min(list.find(',', at), list.size());
    std::string name = list.substr(at, end - at);
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const TypeTraits* t = type_by_name(name);
    if (!t || !cuda::has_device_kernel(t->type)) {
      std::fprintf(stderr, "reach-gpu-gemv-bench: --types: no CUDA kernel for '%s'\n", name.c_str());
      std::exit(2);
    }
    types.push_back(t->type);
    at = end + 1;
  }
  return types;
}

// Seconds per product: the mean of `reps` runs back to back.
double seconds_per_product(cuda::Matmul& matmul, const std::vector<cuda::DeviceMatrix>& ws, const float* x, float* y,
                           int reps) {
  cudaEvent_t start, stop;
  cuda::check(cudaEventCreate(&start), "event");
  cuda::check(cudaEventCreate(&stop), "event");
  for (const auto& w : ws) matmul(w, x, 1, y);  // warm-up: scratch, first launches
  cuda::check(cudaEventRecord(start), "event");
  for (int r = 0; r < reps; ++r) matmul(ws[static_cast<size_t>(r) % ws.size()], x, 1, y);
  cuda::check(cudaEventRecord(stop), "event");
  cuda::check(cudaEventSynchronize(stop), "event");
  float ms = 0;
  cuda::check(cudaEventElapsedTime(&ms, start, stop), "event");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / 1e3 / reps;
}

}  // namespace

int main(int argc, char** argv) {
  int device = 0;
  std::string types = "f16,q8_0,q4_0,q4_1,q5_0,q5_1,q2_k,q3_k,q4_k,q5_k,q6_k";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--device") device = std::atoi(argv[i + 1]);
    else if (flag == "--types") types = argv[i + 1];
    else return std::fprintf(stderr, "reach-gpu-gemv-bench: unknown flag %s\n", argv[i]), 2;
  }
  try {
    cuda::use_device(device);
    std::printf("gpu: %s\n| type | shape | rows x cols | MiB | us | GB/s |\n| --- | --- | ---: | ---: | ---: | ---: |\n",
                cuda::device_description(device).c_str());
    cuda::Matmul matmul(nullptr);
    std::mt19937_64 rng(1);
    for (DType type : parse_types(types)) {
      for (const Shape& s : kShapes) {
        if (s.cols % type_traits(type).block_elems != 0) continue;
        const size_t bytes = cuda::device_matrix_bytes(type, s.rows, s.cols);
        // Enough copies to pass the 50 MiB L2 twice over.
        const size_t copies = std::max<size_t>(2, (size_t{100} << 20) / bytes + 1);
        std::vector<cuda::DeviceBuffer> buffers;
        std::vector<cuda::DeviceMatrix> ws;
        std::vector<uint16_t> host(bytes / 2 + 1);
        // Random bytes, but for F16 a finite value in every element.
        for (auto& h : host) h = static_cast<uint16_t>(rng() & (type == DType::F16 ? 0x3BFFu : 0xFFFFu));
        for (size_t c = 0; c < copies; ++c) {
          buffers.emplace_back(bytes, "the bench's weights");
          buffers.back().upload(host.data(), bytes);
          ws.push_back({type, s.rows, s.cols, buffers.back().as<std::byte>()});
        }
        std::vector<float> xs(static_cast<size_t>(s.cols));
        for (auto& v : xs) v = std::normal_distribution<float>(0, 1)(rng);
        cuda::DeviceBuffer x(xs.size() * 4, "x"), y(static_cast<size_t>(s.rows) * 4, "y");
        x.upload(xs.data(), xs.size() * 4);
        const double sec = seconds_per_product(matmul, ws, x.as<float>(), y.as<float>(), 200);
        std::printf("| %s | %s | %lld x %lld | %.1f | %.2f | %.0f |\n", std::string(type_traits(type).name).c_str(),
                    s.name, static_cast<long long>(s.rows), static_cast<long long>(s.cols), bytes / 1048576.0,
                    sec * 1e6, bytes / sec / 1e9);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reach-gpu-gemv-bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
