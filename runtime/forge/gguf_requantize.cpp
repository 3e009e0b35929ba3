#include "forge/gguf_requantize.h"

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/mapped_file.h"
#include "forge/convert_rows.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION

GgufMetadata copied_metadata(const GgufFile& in, const GgufWriteOptions& options) {
  GgufMetadata m;
  for (const auto& [key, value] : in.metadata)
    if (key != "general.file_type" && key != "general.quantization_version") m.add_value(key, value);
  m.add_u32("general.quantization_version", kQuantizationVersion);
  if (options.file_type) m.add_u32("general.file_type", *options.file_type);
  else if (const GgufValue* old = in.find("general.file_type")) m.add_value("general.file_type", *old);
  return m;
}

std::vector<DType> output_types(const GgufFile& in, const GgufWriteOptions& options, bool allow_requantize) {
  std::vector<DType> types;
  for (const TensorView& t : in.tensors) {
    const DType type = options.type ? options.type(t.name, t) : t.dtype;
    if (type != t.dtype && type_traits(t.dtype).quantized() && !allow_requantize)
      throw std::invalid_argument(in.file_name + ": tensor '" + t.name + "' is already " +
                                  std::string(type_traits(t.dtype).name) + "; quantizing it again to " +
                                  std::string(type_traits(type).name) +
                                  " rounds it twice (quantize from an F32/F16/BF16 file or the HF folder, or "
                                  "give --allow-requantize)");
    types.push_back(type);
  }
  return types;
}

void write_tensors(const GgufFile& in, const MappedFile& file, const std::vector<DType>& types,
                   GgufStreamWriter& writer, const TensorEdit& edit, int threads) {
  std::optional<ThreadPool> pool;  // started by the first tensor that changes type
  for (size_t i = 0; i < in.tensors.size(); ++i) {
    const TensorView& t = in.tensors[i];
    const std::span<const std::byte> stored(t.data, t.nbytes);
    std::vector<std::byte> bytes;
    if (types[i] == t.dtype) {
      bytes.assign(stored.begin(), stored.end());
    } else {
      if (!pool) pool.emplace(threads);
      bytes = convert_rows(stored, t.dtype, types[i], t.shape.empty() ? 1 : t.shape.back(), *pool);
    }
    TensorView written = t;
    written.dtype = types[i];
    written.data = bytes.data();
    written.nbytes = bytes.size();
    if (edit) edit(written, bytes);
    writer.write_tensor(bytes);
    file.drop_pages(stored);
  }
}

}  // namespace

void requantize_gguf(const fs::path& in, const fs::path& out, const TensorEdit& edit, const GgufWriteOptions& options,
                     bool allow_requantize) {
  std::error_code ec;
  if (fs::equivalent(in, out, ec))
    throw std::invalid_argument(out.string() + ": is the input file; writing it would destroy what is being read");
  const MappedFile file(in);
  const GgufFile gguf = parse_gguf(file.bytes(), in.string());
  const std::vector<DType> types = output_types(gguf, options, allow_requantize);
  std::vector<GgufTensorInfo> infos;
  for (size_t i = 0; i < gguf.tensors.size(); ++i)
    infos.push_back({gguf.tensors[i].name, types[i], gguf.tensors[i].shape});
  const GgufMetadata metadata = copied_metadata(gguf, options);
  std::ofstream stream(out, std::ios::binary | std::ios::trunc);
  if (!stream) throw std::runtime_error(out.string() + ": cannot create the file");
  try {
    GgufStreamWriter writer(stream, out.string(), metadata, std::move(infos), static_cast<uint32_t>(gguf.alignment));
    write_tensors(gguf, file, types, writer, edit, options.threads);
    writer.finish();
  } catch (...) {
    stream.close();
    fs::remove(out, ec);
    throw;
  }
}

}  // namespace reach::run
