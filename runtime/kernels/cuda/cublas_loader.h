#pragma once
// cuBLAS, opened when the first GPU matrix product needs it (dlopen), not
// when the program starts. Linked, its two libraries (600 MB on disk with
// cuBLASLt) cost every reach-run process 0.39 s and 216 MB of resident
// memory before main, runs on the CPU included (an empty program linked
// against libcublas.so.13 on the development VM). Loaded here, a model on
// the CPU never maps them.
#include <cublas_v2.h>

#include <span>
#include <string>

namespace reach::run::cuda {

// The cuBLAS functions the backend calls (matmul.cu), by their exported
// names (cublas_v2.h maps cublasCreate to cublasCreate_v2, and so on).
struct CublasApi {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  // The exported function: the toolkit's <cublas_api.h> also declares a
  // C++ overload that takes a cudaDataType as the compute type, an inline
  // wrapper, so &cublasGemmEx names no one function.
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int m, int n, int k,
                            const void* alpha, const void* a, cudaDataType a_type, int lda, const void* b,
                            cudaDataType b_type, int ldb, const void* beta, void* c, cudaDataType c_type, int ldc,
                            cublasComputeType_t compute, cublasGemmAlgo_t algo) = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
};

// Opens the first of `libraries` (paths, or sonames for the loader's search)
// that loads and resolves every function; the library stays loaded for the
// life of the process. Throws naming each library tried and why it failed
// (the loader's message, or the missing function): a DeviceError, as every
// CUDA failure (cuda_ops.h's CudaError).
CublasApi load_cublas(std::span<const std::string> libraries);

// load_cublas of this build's toolkit (the path configured at build time,
// then its soname on LD_LIBRARY_PATH and the system's paths), once per
// process; a failure throws again at the next call.
const CublasApi& cublas();

}  // namespace reach::run::cuda
