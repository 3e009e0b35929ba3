#pragma once
// GGUF v2/v3 (llama.cpp's format): "GGUF", u32 version, u64 tensor count,
// u64 metadata count, the metadata key/values, the tensor infos (name,
// dims innermost-first, ggml type, offset), padding to general.alignment,
// then the data. parse_gguf checks every count and length against the bytes
// that remain before it allocates anything, and returns zero-copy views with
// dims reversed to outermost-first.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/tensor.h"

namespace reach::run {

enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

// Bytes of one value of a fixed-size type; 0 for strings and arrays.
uint64_t gguf_value_bytes(GgufType t);

struct GgufValue {
  GgufType type = GgufType::U8;
  uint64_t offset = 0;  // where the value starts in the file, for messages
  // Scalars: integers and bools in `i` (signed) or `u` (unsigned), floats in `f`.
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0.0;
  std::string str;
  // Arrays: element type and count; fixed-size elements stay in the file
  // (`raw`, little-endian), strings and nested arrays are decoded.
  GgufType elem_type = GgufType::U8;
  uint64_t count = 0;
  const std::byte* raw = nullptr;
  std::vector<std::string> strings;
  std::vector<GgufValue> arrays;

  bool is_integer() const;  // any integer type (not bool)
};

class GgufFile {
 public:
  std::string file_name;
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;  // start of the data section in the file
  std::map<std::string, GgufValue, std::less<>> metadata;
  std::vector<TensorView> tensors;  // in file order

  const GgufValue* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Typed getters: throw FormatError naming the file, the value's offset
  // and the key when it is missing, of the wrong type or out of range.
  int64_t get_int(std::string_view key) const;
  double get_float(std::string_view key) const;
  double get_float(std::string_view key, double fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key) const;
  std::string get_string(std::string_view key, const std::string& fallback) const;
  std::vector<std::string> get_string_array(std::string_view key) const;
  std::vector<float> get_float_array(std::string_view key) const;
  std::vector<int32_t> get_int32_array(std::string_view key) const;
};

// Parses a GGUF image; views point into `bytes`. Throws FormatError naming
// the file, the offset and the rule.
GgufFile parse_gguf(std::span<const std::byte> bytes, const std::string& file_name);

}  // namespace reach::run
