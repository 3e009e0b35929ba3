#pragma once
// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}),
// then the data section the offsets are relative to. Tensors come back as
// zero-copy views into the bytes given, after every field has been checked.
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/mapped_file.h"
#include "formats/tensor.h"

namespace reach::run {

struct SafetensorsFile {
  std::vector<TensorView> tensors;                // in data order
  std::map<std::string, std::string> metadata;    // "__metadata__"
};

// Parses a safetensors image. `file_name` is used in error messages; views
// point into `bytes`. Throws FormatError naming the file, offset and rule.
SafetensorsFile parse_safetensors(std::span<const std::byte> bytes, const std::string& file_name);

// model.safetensors.index.json: which shard file holds each tensor.
struct ShardIndex {
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name
  std::vector<std::string> shards;                // the distinct file names, sorted
};

// Parses an index. Every shard must be a plain file name (no folder, not
// "." or ".."), so that an index cannot point outside its folder. Throws
// FormatError naming `file_name` (and the offset for bad JSON).
ShardIndex parse_shard_index(std::span<const std::byte> bytes, const std::string& file_name);

// A checkpoint in a folder: model.safetensors, or the shards that
// model.safetensors.index.json lists (each shard mapped once).
struct SafetensorsCheckpoint {
  std::vector<std::unique_ptr<MappedFile>> files;  // own the bytes the views point into
  std::map<std::string, TensorView, std::less<>> tensors;
};

// Throws FormatError when neither file exists, or any shard is malformed,
// missing, listed twice, or disagrees with the index.
SafetensorsCheckpoint load_safetensors_checkpoint(const std::filesystem::path& folder);

}  // namespace reach::run
