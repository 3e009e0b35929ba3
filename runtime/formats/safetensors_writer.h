#pragma once
// Writes a safetensors file (header padded with spaces to 8 bytes, as the
// reference writer does, so every tensor is aligned): the test-model writer
// and reach-run finetune's adapters.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace reach::run {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;             // "F32", "F16", "BF16"
  std::vector<int64_t> shape;    // outermost first
  std::vector<std::byte> data;   // row-major
};

std::vector<std::byte> safetensors_bytes(const std::vector<SafetensorsEntry>& tensors,
                                         const std::vector<std::pair<std::string, std::string>>& metadata = {});
// Throws std::runtime_error naming the path when writing fails.
void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsEntry>& tensors);

}  // namespace reach::run
