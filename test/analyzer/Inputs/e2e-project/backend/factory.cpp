#include "backend/cpu_backend.h"
#include "backend/cuda_backend.h"
namespace backend {
std::unique_ptr<Backend> make_default() { return std::make_unique<CpuBackend>(); }
std::unique_ptr<Backend> make_cuda() { return std::make_unique<CudaBackend>(); }
}
