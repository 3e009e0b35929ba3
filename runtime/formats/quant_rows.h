#pragma once
// Rows of the block-quantized types beyond Q8_0/Q4_0, to and from float:
// the exact conversions of the type table (formats/tensor_type.h), following
// ggml's block definitions and its reference quantizers (quantize_row_*_ref,
// what llama-quantize runs without an importance matrix) so that the same
// floats give the same bytes. test/runtime/formats/quant_rows_test.cpp
// checks both against llama.cpp's own library.
//
// Blocks along a row, as ggml lays them out (f16 = IEEE half):
//   Q4_1  32 elements, 20 bytes: { f16 d, m; u8 qs[16] }           x = q·d + m
//   Q5_0  32 elements, 22 bytes: { f16 d; u8 qh[4]; u8 qs[16] }     x = (q - 16)·d, q's 5th bits in qh
//   Q5_1  32 elements, 24 bytes: { f16 d, m; u8 qh[4]; u8 qs[16] }  x = q·d + m
//   Q2_K 256 elements, 84 bytes: { u8 scales[16]; u8 qs[64]; f16 d, dmin }
//        sixteen sub-blocks of 16, each x = d·sc·q - dmin·m with 4-bit sc, m, 2-bit q
//   Q3_K 256 elements, 110 bytes: { u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d }
//        sixteen sub-blocks of 16, each x = d·sc·(q - 4) with 6-bit sc (- 32), 3-bit q
//   Q4_K 256 elements, 144 bytes: { f16 d, dmin; u8 scales[12]; u8 qs[128] }
//        eight sub-blocks of 32, each x = d·sc·q - dmin·m with 6-bit sc, m
//   Q5_K 256 elements, 176 bytes: { f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }
//   Q6_K 256 elements, 210 bytes: { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d }
//        sixteen sub-blocks of 16, each x = d·sc·(q - 32)
#include <cstddef>
#include <cstdint>

namespace reach::run::quants {

void q4_1_to_float(const std::byte* row, float* out, int64_t n);
void q4_1_from_float(const float* x, std::byte* out, int64_t n);
void q5_0_to_float(const std::byte* row, float* out, int64_t n);
void q5_0_from_float(const float* x, std::byte* out, int64_t n);
void q5_1_to_float(const std::byte* row, float* out, int64_t n);
void q5_1_from_float(const float* x, std::byte* out, int64_t n);
void q2_k_to_float(const std::byte* row, float* out, int64_t n);
void q2_k_from_float(const float* x, std::byte* out, int64_t n);
void q3_k_to_float(const std::byte* row, float* out, int64_t n);
void q3_k_from_float(const float* x, std::byte* out, int64_t n);
void q4_k_to_float(const std::byte* row, float* out, int64_t n);
void q4_k_from_float(const float* x, std::byte* out, int64_t n);
void q5_k_to_float(const std::byte* row, float* out, int64_t n);
void q5_k_from_float(const float* x, std::byte* out, int64_t n);
void q6_k_to_float(const std::byte* row, float* out, int64_t n);
void q6_k_from_float(const float* x, std::byte* out, int64_t n);

}  // namespace reach::run::quants
