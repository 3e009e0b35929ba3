#pragma once
// A whole file mapped read-only into memory. Tensors are views into it, so
// the mapping must outlive every TensorView made from it; the ModelSource
// that owns the MappedFile guarantees that.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>

namespace reach::run {

class MappedFile {
 public:
  // Throws FormatError (naming the file) when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // The file offset of `range`'s first byte; nullopt when it does not lie
  // inside this mapping.
  std::optional<size_t> offset_of(std::span<const std::byte> range) const;

  // Hands the whole pages inside `range` back to the kernel: the process's
  // resident memory shrinks by them, and a later read faults them in again
  // from the file, so the bytes stay what they were. Returns false, doing
  // nothing, when `range` does not lie inside this mapping.
  bool drop_pages(std::span<const std::byte> range) const;

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace reach::run
