#pragma once
// Block b of a quantized row, copied in and out by value: a row in a file
// mapping is not aligned for the block struct, so it is never cast to one.
// For the conversions of formats/quant_rows.h.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace reach::run::quants {

template <class Block>
Block load_block(const std::byte* row, int64_t b) {
  Block blk;
  std::memcpy(&blk, row + b * static_cast<int64_t>(sizeof(Block)), sizeof(Block));
  return blk;
}

template <class Block>
void store_block(std::byte* out, int64_t b, const Block& blk) {
  std::memcpy(out + b * static_cast<int64_t>(sizeof(Block)), &blk, sizeof(Block));
}

}  // namespace reach::run::quants
