#pragma once
// ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref
// in ggml-quants.c), bit for bit, and float -> F16/BF16 rows. The writer uses
// them so the GGUF files hold what llama.cpp's own quantizer would write.
#include <cstddef>
#include <span>
#include <vector>

namespace reach::test {

// n must be a multiple of 32. Appends n/32 blocks of 34 (Q8_0) or 18 (Q4_0) bytes.
void quantize_row_q8_0_ref(std::span<const float> x, std::vector<std::byte>& out);
void quantize_row_q4_0_ref(std::span<const float> x, std::vector<std::byte>& out);
// ggml's AVX2 quantize_row_q8_0, the activation quantizer (127/amax, round
// half to even; not the _ref above, which rounds half away from zero), as a
// plain loop: what reach-run's vectorized one must equal bit for bit.
void quantize_row_q8_0_activation_ref(std::span<const float> x, std::vector<std::byte>& out);
void convert_row_f16(std::span<const float> x, std::vector<std::byte>& out);
void convert_row_bf16(std::span<const float> x, std::vector<std::byte>& out);

}  // namespace reach::test
