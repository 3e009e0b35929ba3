#pragma once
// Little-endian appends to a byte vector: how the GGUF writer encodes its
// header and metadata (and how tests build deliberately broken files).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace reach::run {

template <typename T>
void append_le(std::vector<std::byte>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));  // every target we build for is little-endian
}

inline void append_bytes(std::vector<std::byte>& out, const void* p, size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

inline void append_gguf_string(std::vector<std::byte>& out, const std::string& s) {
  append_le<uint64_t>(out, s.size());
  append_bytes(out, s.data(), s.size());
}

}  // namespace reach::run
