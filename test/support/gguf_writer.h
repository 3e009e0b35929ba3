#pragma once
// A small GGUF v3 writer for tests: typed metadata in insertion order, then
// tensors (dims given outermost-first, written innermost-first as ggml
// wants), each padded to the alignment. Also lets tests write deliberately
// broken files by editing the bytes it returns.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/gguf.h"

namespace reach::test {

class GgufWriter {
 public:
  void add_u32(const std::string& key, uint32_t v);
  void add_i32(const std::string& key, int32_t v);
  void add_f32(const std::string& key, float v);
  void add_bool(const std::string& key, bool v);
  void add_string(const std::string& key, const std::string& v);
  void add_string_array(const std::string& key, const std::vector<std::string>& v);
  void add_f32_array(const std::string& key, const std::vector<float>& v);
  void add_i32_array(const std::string& key, const std::vector<int32_t>& v);

  // shape outermost-first; `data` already in the ggml layout of `type`.
  void add_tensor(const std::string& name, run::DType type, const std::vector<int64_t>& shape,
                  std::vector<std::byte> data);

  void set_alignment(uint32_t alignment) { alignment_ = alignment; }  // also writes general.alignment
  std::vector<std::byte> bytes() const;
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    std::string name;
    run::DType type;
    std::vector<int64_t> shape;
    std::vector<std::byte> data;
  };
  std::vector<std::byte> kv_;  // encoded key/values
  uint64_t n_kv_ = 0;
  uint32_t alignment_ = 32;
  std::vector<Tensor> tensors_;
  void begin_kv(const std::string& key, run::GgufType type);
};

}  // namespace reach::test
