#include "forge/hf_to_gguf.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <variant>

#include "formats/gguf_layout.h"
#include "formats/gguf_model_metadata.h"
#include "formats/gguf_names.h"
#include "formats/gguf_writer.h"
#include "formats/model_tensors.h"
#include "formats/rope_scaling.h"
#include "forge/convert_rows.h"
#include "kernels/thread_pool.h"
#include "tokenizer/gguf_vocab_from_json.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

const TokenizerJsonFile& tokenizer_files(const ModelSource& source, const TokenizerSource& tokenizer) {
  const auto* files = std::get_if<TokenizerJsonFile>(&tokenizer);
  if (files == nullptr) throw std::invalid_argument(source.path().string() + " is not an HF folder");
  return *files;
}

// The tokenizer, with config.json's special ids where tokenizer_config.json
// names none (the converter's SpecialVocab does the same).
GgufVocab vocab_of(const ModelSource& source, const TokenizerJsonFile& files) {
  const ModelConfig& c = source.config();
  GgufVocab v = gguf_vocab_from_tokenizer_json(files, c.vocab_size);
  if (v.bos_id < 0) v.bos_id = c.bos_id;
  if (v.eos_id < 0 && !c.eos_ids.empty()) v.eos_id = c.eos_ids.front();
  return v;
}

// tokenizer.chat_template, and tokenizer.chat_template.NAME for named ones
// (their names listed in tokenizer.chat_templates), a name's characters
// other than ASCII letters and digits written as '_', as gguf-py does.
void add_chat_templates(GgufMetadata& m, const TokenizerJsonFile& files) {
  std::vector<std::string> names;
  for (auto t : chat_templates(files)) {
    for (char& ch : t.name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    m.add_string(t.name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + t.name, t.text);
    if (!t.name.empty()) names.push_back(t.name);
  }
  if (!names.empty()) m.add_string_array("tokenizer.chat_templates", names);
}

// general.name: the folder's name ("out/" names "out").
std::string model_name(const fs::path& folder) {
  return (folder.has_filename() ? folder : folder.parent_path()).filename().string();
}

GgufMetadata metadata_of(const ModelSource& source, const GgufWriteOptions& options) {
  const TokenizerSource tokenizer = source.tokenizer();
  const TokenizerJsonFile& files = tokenizer_files(source, tokenizer);
  GgufMetadata m;
  const uint32_t file_type =
      options.file_type.value_or(gguf_file_type(source.get("model.layers.0.self_attn.q_proj.weight").dtype));
  add_model_metadata(m, source.config(), model_name(source.path()), file_type);
  add_vocab_metadata(m, vocab_of(source, files));
  add_chat_templates(m, files);
  return m;
}

// 1-D tensors are F32 in GGUF whatever the checkpoint's type, as the
// converter writes them (ggml multiplies by norms in F32).
DType converter_type(const TensorView& t) { return t.shape.size() == 1 ? DType::F32 : t.dtype; }

DType gguf_type(const TensorView& t, const GgufWriteOptions& options) {
  return options.type ? options.type(gguf_name(t.name), t) : converter_type(t);
}

std::vector<GgufTensorInfo> tensor_infos(const ModelSource& source, const GgufWriteOptions& options) {
  const ModelConfig& c = source.config();
  std::vector<GgufTensorInfo> infos;
  if (c.rope_scaling.factor != 0.0f) infos.push_back({"rope_freqs.weight", DType::F32, {c.head_dim / 2}});
  for (const auto& [name, shape] : stored_tensors(c))
    infos.push_back({gguf_name(name), gguf_type(source.get(name), options), shape});
  return infos;
}

// `t`'s bytes in the converter's type and GGUF's layout.
std::vector<std::byte> converter_bytes(const ModelConfig& c, const TensorView& t) {
  const DType type = converter_type(t);
  std::vector<std::byte> out(GgufTensorInfo{t.name, type, t.shape}.nbytes());
  const std::span<const std::byte> in(t.data, t.nbytes);
  if (type != t.dtype) {
    type_traits(t.dtype).to_float(t.data, reinterpret_cast<float*>(out.data()), t.numel());
  } else if (const int64_t heads = permuted_heads(c, t.name)) {
    permute_qk_rows(in, out, heads, c.head_dim, t.row_bytes());
  } else {
    std::copy(in.begin(), in.end(), out.begin());
  }
  return out;
}

void write_tensors(const ModelSource& source, GgufStreamWriter& writer, const TensorEdit& edit,
                   const GgufWriteOptions& options) {
  const ModelConfig& c = source.config();
  if (c.rope_scaling.factor != 0.0f) {
    const auto divisors = llama3_rope_divisors(c.rope_scaling, c.rope_theta, c.head_dim);
    writer.write_tensor(std::as_bytes(std::span(divisors)));
  }
  std::optional<ThreadPool> pool;  // started by the first tensor that changes type
  for (const auto& [name, shape] : stored_tensors(c)) {
    const TensorView& t = source.get(name);
    const DType type = gguf_type(t, options);
    std::vector<std::byte> bytes = converter_bytes(c, t);
    if (type != converter_type(t)) {
      if (!pool) pool.emplace(options.threads);
      bytes = convert_rows(bytes, converter_type(t), type, t.shape.back(), *pool);
    }
    TensorView written = t;
    written.dtype = type;
    written.data = bytes.data();
    written.nbytes = bytes.size();
    edit(written, bytes);
    writer.write_tensor(bytes);
    source.drop_pages(t);
  }
}

}  // namespace

void write_gguf_from_hf(const ModelSource& source, const fs::path& out, const TensorEdit& edit,
                        const GgufWriteOptions& options) {
  const GgufMetadata metadata = metadata_of(source, options);  // a tokenizer it cannot convert fails here, before `out` exists
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  if (!file) throw std::runtime_error(out.string() + ": cannot create the file");
  try {
    GgufStreamWriter writer(file, out.string(), metadata, tensor_infos(source, options));
    write_tensors(source, writer, edit, options);
    writer.finish();
  } catch (...) {
    file.close();
    std::error_code ec;
    fs::remove(out, ec);
    throw;
  }
}

}  // namespace reach::run
