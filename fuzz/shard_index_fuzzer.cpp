// libFuzzer: model.safetensors.index.json text -> ShardIndex (only plain
// file names as shards) or a FormatError, nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "formats/format_error.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  try {
    const ShardIndex index =
        parse_shard_index(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz/model.safetensors.index.json");
    // What the loader relies on: no shard name can leave the folder.
    for (const auto& shard : index.shards)
      if (shard.empty() || shard.find('/') != shard.npos || shard == "." || shard == "..") std::abort();
  } catch (const FormatError&) {
  }
  return 0;
}
