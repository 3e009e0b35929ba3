#include "backend/cpu_backend.h"
#include "kernels/kernels.h"
#include "loaders/loaders.h"
namespace backend {
bool CpuBackend::load(const std::string &path) { return loaders::load_safetensors(path); }
int CpuBackend::generate(const std::string &prompt) {
  return kernels::run_kernel("matmul", int(prompt.size()));
}
}
