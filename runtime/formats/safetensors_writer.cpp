#include "formats/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

#include "formats/byte_sink.h"

namespace reach::run {

std::vector<std::byte> safetensors_bytes(const std::vector<SafetensorsEntry>& tensors,
                                         const std::vector<std::pair<std::string, std::string>>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    auto& m = header["__metadata__"];
    for (const auto& [k, v] : metadata) m[k] = v;
  }
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  std::vector<std::byte> out;
  out.reserve(8 + text.size() + offset);  // one allocation (and no GCC 12 -Wstringop-overread false positive)
  append_le<uint64_t>(out, text.size());
  append_bytes(out, text.data(), text.size());
  for (const auto& t : tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsEntry>& tensors) {
  const auto b = safetensors_bytes(tensors);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f || !f.flush()) throw std::runtime_error(path.string() + ": write failed (disk full?)");
}

}  // namespace reach::run
