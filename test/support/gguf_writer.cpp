#include "gguf_writer.h"

#include <fstream>
#include <stdexcept>

#include "byte_sink.h"

namespace reach::test {

using run::GgufType;

void GgufWriter::begin_kv(const std::string& key, GgufType type) {
  append_gguf_string(kv_, key);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(type));
  ++n_kv_;
}

void GgufWriter::add_u32(const std::string& key, uint32_t v) { begin_kv(key, GgufType::U32); append_le(kv_, v); }
void GgufWriter::add_i32(const std::string& key, int32_t v) { begin_kv(key, GgufType::I32); append_le(kv_, v); }
void GgufWriter::add_f32(const std::string& key, float v) { begin_kv(key, GgufType::F32); append_le(kv_, v); }
void GgufWriter::add_bool(const std::string& key, bool v) {
  begin_kv(key, GgufType::BOOL);
  append_le<uint8_t>(kv_, v ? 1 : 0);
}
void GgufWriter::add_string(const std::string& key, const std::string& v) {
  begin_kv(key, GgufType::STRING);
  append_gguf_string(kv_, v);
}
void GgufWriter::add_string_array(const std::string& key, const std::vector<std::string>& v) {
  begin_kv(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::STRING));
  append_le<uint64_t>(kv_, v.size());
  for (const auto& s : v) append_gguf_string(kv_, s);
}
void GgufWriter::add_f32_array(const std::string& key, const std::vector<float>& v) {
  begin_kv(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::F32));
  append_le<uint64_t>(kv_, v.size());
  append_bytes(kv_, v.data(), v.size() * sizeof(float));
}
void GgufWriter::add_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  begin_kv(key, GgufType::ARRAY);
  append_le<uint32_t>(kv_, static_cast<uint32_t>(GgufType::I32));
  append_le<uint64_t>(kv_, v.size());
  append_bytes(kv_, v.data(), v.size() * sizeof(int32_t));
}

void GgufWriter::add_tensor(const std::string& name, run::DType type, const std::vector<int64_t>& shape,
                            std::vector<std::byte> data) {
  tensors_.push_back({name, type, shape, std::move(data)});
}

std::vector<std::byte> GgufWriter::bytes() const {
  std::vector<std::byte> out;
  out.reserve(4096);  // the header; also spares GCC 12 a -Wstringop-overread false positive on the empty vector
  const auto pad = [&](std::vector<std::byte>& v) { v.resize((v.size() + alignment_ - 1) / alignment_ * alignment_); };
  append_bytes(out, "GGUF", 4);
  append_le<uint32_t>(out, 3);
  append_le<uint64_t>(out, tensors_.size());
  const bool explicit_alignment = alignment_ != 32;
  append_le<uint64_t>(out, n_kv_ + (explicit_alignment ? 1 : 0));
  out.insert(out.end(), kv_.begin(), kv_.end());
  if (explicit_alignment) {
    append_gguf_string(out, "general.alignment");
    append_le<uint32_t>(out, static_cast<uint32_t>(GgufType::U32));
    append_le<uint32_t>(out, alignment_);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    append_gguf_string(out, t.name);
    append_le<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (size_t d = t.shape.size(); d-- > 0;) append_le<uint64_t>(out, static_cast<uint64_t>(t.shape[d]));
    append_le<uint32_t>(out, run::type_traits(t.type).ggml_type);
    append_le<uint64_t>(out, offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  pad(out);
  for (const auto& t : tensors_) {
    out.insert(out.end(), t.data.begin(), t.data.end());
    pad(out);
  }
  return out;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  const auto b = bytes();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace reach::test
