#include "kernels/packed_storage.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <stdexcept>

namespace reach::run {

constexpr size_t kHugePage = size_t{2} << 20;

void PackedStorage::FreeBytes::operator()(std::byte* p) const { std::free(p); }

PackedStorage::PackedStorage(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  const size_t whole_pages = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  base_.reset(static_cast<std::byte*>(std::aligned_alloc(kHugePage, whole_pages)));
  if (!base_) throw std::bad_alloc();
  madvise(base_.get(), whole_pages, MADV_HUGEPAGE);  // advice only: 4 KiB pages work too
}

std::byte* PackedStorage::take(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  if (bytes > size_ - used_) throw std::logic_error("PackedStorage: more taken than was reserved");
  std::byte* p = base_.get() + used_;
  used_ += bytes;
  return p;
}

}  // namespace reach::run
