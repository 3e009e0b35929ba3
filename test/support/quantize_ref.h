#pragma once
// Rows encoded as the writer stores them (what llama.cpp's own quantizer
// would write), and ggml's activation quantizer as a plain loop.
#include <cstddef>
#include <span>
#include <vector>

#include "formats/tensor_type.h"

namespace reach::test {

// Appends x encoded as `type` (x.size() a multiple of its block) through
// the type table's from_float, the reference quantizers of ggml (Q8_0 and
// Q4_0 *_ref, bit for bit) and the exact F16/BF16 roundings.
void encode_row(run::DType type, std::span<const float> x, std::vector<std::byte>& out);
// ggml's AVX2 quantize_row_q8_0, the activation quantizer (127/amax, round
// half to even; not the _ref above, which rounds half away from zero), as a
// plain loop: what reach-run's vectorized one must equal bit for bit.
void quantize_row_q8_0_activation_ref(std::span<const float> x, std::vector<std::byte>& out);

}  // namespace reach::test
