#include "backend/cuda_backend.h"
#include "loaders/loaders.h"
namespace backend {
bool CudaBackend::load(const std::string &path) {
  return loaders::load_gguf_legacy(path) || loaders::load_npz(path);
}
int CudaBackend::generate(const std::string &prompt) { return int(prompt.size()); }
}
