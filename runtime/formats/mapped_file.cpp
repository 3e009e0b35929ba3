#include "formats/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "formats/format_error.h"

namespace reach::run {

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer;
  // fstat then refuses anything that is not a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FormatError(path.string(), std::string("cannot open: ") + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(path.string(), "not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  // mmap of length 0 fails; an empty file is a valid mapping of no bytes and
  // the format readers report it as truncated.
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw FormatError(path.string(), std::string("cannot mmap: ") + std::strerror(err));
    }
    data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
}

MappedFile::~MappedFile() { release(); }

std::optional<size_t> MappedFile::offset_of(std::span<const std::byte> range) const {
  const auto begin = reinterpret_cast<uintptr_t>(range.data()), end = begin + range.size();
  const auto base = reinterpret_cast<uintptr_t>(data_);
  if (data_ == nullptr || begin < base || end > base + size_ || begin > end) return std::nullopt;
  return begin - base;
}

bool MappedFile::drop_pages(std::span<const std::byte> range) const {
  const auto begin = reinterpret_cast<uintptr_t>(range.data()), end = begin + range.size();
  const auto base = reinterpret_cast<uintptr_t>(data_);
  if (data_ == nullptr || begin < base || end > base + size_ || begin > end) return false;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  // A private read-only mapping that was never written: the pages are the
  // file's (page cache), so dropping them loses nothing. Advice only.
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  return true;
}

void MappedFile::release() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace reach::run
