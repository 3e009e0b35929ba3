#include "gguf_writer.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace reach::test {

void GgufWriter::add_tensor(const std::string& name, run::DType type, const std::vector<int64_t>& shape,
                            std::vector<std::byte> data) {
  tensors_.push_back({{name, type, shape}, std::move(data)});
}

void GgufWriter::stream(std::ostream& out, const std::string& name) const {
  run::GgufMetadata metadata = *this;
  if (alignment_ != 32) metadata.add_u32("general.alignment", alignment_);
  std::vector<run::GgufTensorInfo> infos;
  for (const auto& t : tensors_) infos.push_back(t.info);
  run::GgufStreamWriter writer(out, name, metadata, std::move(infos), alignment_);
  for (const auto& t : tensors_) writer.write_tensor(t.data);
  writer.finish();
}

std::vector<std::byte> GgufWriter::bytes() const {
  std::ostringstream out;
  stream(out, "GGUF image");
  const std::string image = std::move(out).str();
  const auto* b = reinterpret_cast<const std::byte*>(image.data());
  return {b, b + image.size()};
}

void GgufWriter::write(const std::filesystem::path& path) const {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write " + path.string());
  stream(f, path.string());
}

}  // namespace reach::test
