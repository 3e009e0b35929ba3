#pragma once
// A tensor's rows from one storage type to another through F32, with the
// type table's exact conversions (formats/tensor_type.h: ggml's reference
// quantizers), split over a pool. What the GGUF writers quantize with.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/tensor_type.h"
#include "kernels/thread_pool.h"

namespace reach::run {

// `in` holds whole rows of `cols` elements of type `from`.
std::vector<std::byte> convert_rows(std::span<const std::byte> in, DType from, DType to, int64_t cols,
                                    ThreadPool& pool);

}  // namespace reach::run
