#pragma once
// The GPU a process runs on, and memory on it. Plain C++ over CUDA's
// runtime API: every failure is a CudaError that names what was asked.
#include <cstddef>
#include <string>

namespace reach::run::cuda {

// Makes GPU `index` current for this thread. Throws CudaError "no usable
// CUDA device: ..." when the driver has none (or none works), and naming
// the index and how many there are when it is out of range.
void use_device(int index);
// "NVIDIA H200 (cuda:0, 132 SMs, 139.8 GiB)".
std::string device_description(int index);

// Memory on the current device, freed with the object; moves, never copies.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // Throws CudaError naming `what`, the size and the free device memory
  // when the allocation fails.
  DeviceBuffer(size_t bytes, const char* what);
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer();

  size_t size() const { return bytes_; }
  std::byte* data() const { return data_; }
  template <class T>
  T* as() const {
    return reinterpret_cast<T*>(data_);
  }
  // Host → device: `bytes` at `offset` (synchronous).
  void upload(const void* host, size_t bytes, size_t offset = 0);

 private:
  std::byte* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace reach::run::cuda
