#include "formats/gguf_writer.h"

#include <algorithm>
#include <stdexcept>

#include "formats/byte_sink.h"

namespace reach::run {

void GgufMetadata::begin(const std::string& key, GgufType type) {
  append_gguf_string(kv_, key);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(type));
  ++count_;
}

void GgufMetadata::add_u32(const std::string& key, uint32_t v) {
  begin(key, GgufType::U32);
  append_le(kv_, v);
}

void GgufMetadata::add_f32(const std::string& key, float v) {
  begin(key, GgufType::F32);
  append_le(kv_, v);
}

void GgufMetadata::add_bool(const std::string& key, bool v) {
  begin(key, GgufType::BOOL);
  append_le<uint8_t>(kv_, v ? 1 : 0);
}

void GgufMetadata::add_string(const std::string& key, const std::string& v) {
  begin(key, GgufType::STRING);
  append_gguf_string(kv_, v);
}

void GgufMetadata::add_string_array(const std::string& key, const std::vector<std::string>& v) {
  begin(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::STRING));
  append_le<uint64_t>(kv_, v.size());
  for (const auto& s : v) append_gguf_string(kv_, s);
}

void GgufMetadata::add_f32_array(const std::string& key, const std::vector<float>& v) {
  begin(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::F32));
  append_le<uint64_t>(kv_, v.size());
  append_bytes(kv_, v.data(), v.size() * sizeof(float));
}

void GgufMetadata::add_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  begin(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::I32));
  append_le<uint64_t>(kv_, v.size());
  append_bytes(kv_, v.data(), v.size() * sizeof(int32_t));
}

namespace {

// v's encoding after its key and type.
void append_value(std::vector<std::byte>& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::U8: append_le<uint8_t>(out, static_cast<uint8_t>(v.u)); return;
    case GgufType::I8: append_le<int8_t>(out, static_cast<int8_t>(v.i)); return;
    case GgufType::U16: append_le<uint16_t>(out, static_cast<uint16_t>(v.u)); return;
    case GgufType::I16: append_le<int16_t>(out, static_cast<int16_t>(v.i)); return;
    case GgufType::U32: append_le<uint32_t>(out, static_cast<uint32_t>(v.u)); return;
    case GgufType::I32: append_le<int32_t>(out, static_cast<int32_t>(v.i)); return;
    case GgufType::U64: append_le<uint64_t>(out, v.u); return;
    case GgufType::I64: append_le<int64_t>(out, v.i); return;
    case GgufType::F32: append_le<float>(out, static_cast<float>(v.f)); return;  // read from a float: exact
    case GgufType::F64: append_le<double>(out, v.f); return;
    case GgufType::BOOL: append_le<uint8_t>(out, v.u != 0 ? 1 : 0); return;
    case GgufType::STRING: append_gguf_string(out, v.str); return;
    case GgufType::ARRAY: break;
  }
  append_le<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
  append_le<uint64_t>(out, v.count);
  if (v.elem_type == GgufType::STRING) {
    for (const auto& s : v.strings) append_gguf_string(out, s);
  } else if (v.elem_type == GgufType::ARRAY) {
    for (const auto& inner : v.arrays) append_value(out, inner);
  } else {
    append_bytes(out, v.raw, v.count * gguf_value_bytes(v.elem_type));  // little-endian, as read
  }
}

}  // namespace

void GgufMetadata::add_value(const std::string& key, const GgufValue& v) {
  begin(key, v.type);
  append_value(kv_, v);
}

size_t GgufTensorInfo::nbytes() const {
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= shape[d];
  return static_cast<size_t>(rows) * type_traits(type).row_bytes(shape.empty() ? 1 : shape.back());
}

GgufStreamWriter::GgufStreamWriter(std::ostream& out, std::string name, const GgufMetadata& metadata,
                                   std::vector<GgufTensorInfo> tensors, uint32_t alignment)
    : out_(out), name_(std::move(name)), tensors_(std::move(tensors)), alignment_(alignment) {
  std::vector<std::byte> head;
  head.reserve(4096);  // spares GCC 12 a -Wstringop-overread false positive on the empty vector
  append_bytes(head, "GGUF", 4);
  append_le<uint32_t>(head, 3);
  append_le<uint64_t>(head, tensors_.size());
  append_le<uint64_t>(head, metadata.count());
  append_bytes(head, metadata.encoded().data(), metadata.encoded().size());
  uint64_t offset = 0;  // of each tensor's data, from the start of the data section
  for (const auto& t : tensors_) {
    append_gguf_string(head, t.name);
    append_le<uint32_t>(head, static_cast<uint32_t>(t.shape.size()));
    for (size_t d = t.shape.size(); d-- > 0;) append_le<uint64_t>(head, static_cast<uint64_t>(t.shape[d]));
    append_le<uint32_t>(head, type_traits(t.type).ggml_type);
    append_le<uint64_t>(head, offset);
    offset += (t.nbytes() + alignment_ - 1) / alignment_ * alignment_;
  }
  put(head.data(), head.size());
  pad();
}

void GgufStreamWriter::write_tensor(std::span<const std::byte> data) {
  if (next_ >= tensors_.size()) throw std::logic_error(name_ + ": more tensors written than announced");
  const GgufTensorInfo& t = tensors_[next_++];
  if (data.size() != t.nbytes())
    throw std::logic_error(name_ + ": tensor '" + t.name + "' has " + std::to_string(data.size()) +
                           " bytes, its type and shape need " + std::to_string(t.nbytes()));
  put(data.data(), data.size());
  pad();
}

void GgufStreamWriter::finish() {
  if (next_ != tensors_.size())
    throw std::logic_error(name_ + ": " + std::to_string(next_) + " of " + std::to_string(tensors_.size()) +
                           " tensors written");
  if (!out_.flush()) throw std::runtime_error(name_ + ": write failed (disk full?)");
}

void GgufStreamWriter::put(const void* data, size_t n) {
  if (!out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n)))
    throw std::runtime_error(name_ + ": write failed (disk full?)");
  position_ += n;
}

void GgufStreamWriter::pad() {
  static constexpr char kZeros[256] = {};
  while (position_ % alignment_ != 0) put(kZeros, std::min<uint64_t>(sizeof kZeros, alignment_ - position_ % alignment_));
}

}  // namespace reach::run
