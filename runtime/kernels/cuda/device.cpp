#include "kernels/cuda/device.h"

#include <cuda_runtime_api.h>

#include <cstdio>
#include <string>
#include <utility>

#include "formats/mib.h"
#include "kernels/cuda/cuda_ops.h"

namespace reach::run::cuda {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string(what) + ": " + cudaGetErrorString(e));
}

void use_device(int index) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorInsufficientDriver)  // also what a machine with no NVIDIA driver at all reports
    throw CudaError(std::string("no usable CUDA device: no NVIDIA driver for CUDA ") + std::to_string(CUDART_VERSION / 1000) +
                    " (" + cudaGetErrorString(e) + ")");
  if (e != cudaSuccess || count == 0)
    throw CudaError(std::string("no usable CUDA device: ") +
                    (e != cudaSuccess ? cudaGetErrorString(e) : "the driver reports none"));
  if (index < 0 || index >= count)
    throw CudaError("no CUDA device " + std::to_string(index) + ": there " + (count == 1 ? "is 1" : "are " + std::to_string(count)) +
                    " (cuda:0" + (count > 1 ? " .. cuda:" + std::to_string(count - 1) : "") + ")");
  check(cudaSetDevice(index), "selecting the CUDA device");
}

std::string device_description(int index) {
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, index), "reading the CUDA device's properties");
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (cuda:%d, %d SMs, %.1f GiB)", p.name, index, p.multiProcessorCount,
                static_cast<double>(p.totalGlobalMem) / (1u << 30));
  return buf;
}

DeviceBuffer::DeviceBuffer(size_t bytes, const char* what) : bytes_(bytes) {
  if (bytes == 0) return;
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear it, so later calls do not report it again
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw CudaError(std::string(what) + " needs " + mib(bytes) + " of GPU memory, " + mib(free) + " is free: " +
                    cudaGetErrorString(e));
  }
  data_ = static_cast<std::byte*>(p);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);
}

void DeviceBuffer::upload(const void* host, size_t bytes, size_t offset) {
  check(cudaMemcpy(data_ + offset, host, bytes, cudaMemcpyHostToDevice), "copying to the GPU");
}

}  // namespace reach::run::cuda
