#pragma once
// Writing GGUF v3 files (gguf.h reads them). GgufMetadata encodes typed
// key/values in the order they are added. GgufStreamWriter writes the
// header, the metadata and every tensor's info first (a tensor's size follows
// from its type and shape), then takes the tensors' data one at a time, each
// padded to the alignment: a converter holds no more than the tensor it is
// writing, never the whole model. Shapes are given outermost-first, as
// TensorView has them, and written innermost-first, as ggml wants.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "formats/gguf.h"
#include "formats/tensor_type.h"

namespace reach::run {

class GgufMetadata {
 public:
  void add_u32(const std::string& key, uint32_t v);
  void add_f32(const std::string& key, float v);
  void add_bool(const std::string& key, bool v);
  void add_string(const std::string& key, const std::string& v);
  void add_string_array(const std::string& key, const std::vector<std::string>& v);
  void add_f32_array(const std::string& key, const std::vector<float>& v);
  void add_i32_array(const std::string& key, const std::vector<int32_t>& v);
  // A value parsed from another file (gguf.h) with its own type, nested
  // arrays included: copying a file's metadata as it is.
  void add_value(const std::string& key, const GgufValue& v);

  uint64_t count() const { return count_; }
  const std::vector<std::byte>& encoded() const { return kv_; }

 private:
  void begin(const std::string& key, GgufType type);
  std::vector<std::byte> kv_;
  uint64_t count_ = 0;
};

struct GgufTensorInfo {
  std::string name;
  DType type = DType::F32;
  std::vector<int64_t> shape;  // outermost first
  size_t nbytes() const;       // rows of whole blocks of `type`
};

class GgufStreamWriter {
 public:
  // Writes the header, `metadata` and the tensor infos to `out`. An
  // alignment other than 32 must also be in `metadata` (general.alignment).
  // `name` (the file) is named in errors.
  GgufStreamWriter(std::ostream& out, std::string name, const GgufMetadata& metadata,
                   std::vector<GgufTensorInfo> tensors, uint32_t alignment = 32);
  // The next tensor's bytes, in the infos' order. Throws std::logic_error
  // when they are not that tensor's size, std::runtime_error when the
  // stream fails (a full disk).
  void write_tensor(std::span<const std::byte> data);
  // Throws std::logic_error unless every tensor was written; flushes.
  void finish();

 private:
  void put(const void* data, size_t n);
  void pad();
  std::ostream& out_;
  std::string name_;
  std::vector<GgufTensorInfo> tensors_;
  uint32_t alignment_;
  size_t next_ = 0;        // the tensor write_tensor takes next
  uint64_t position_ = 0;  // bytes written so far
};

}  // namespace reach::run
