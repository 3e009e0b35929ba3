#pragma once
// The storage types of tensors, one table row each, as ggml's type_traits:
// every fact about a type that loaders, the writer and the kernels use is in
// its row, so adding a type is adding a row (and its CPU kernels, in the
// kernels' own row: kernels/matmul.cpp). Quantized types are stored in
// blocks along the innermost (row) dimension, exactly as ggml lays them out:
//   Q8_0: 32 elements -> { f16 d; int8 q[32]; }            34 bytes
//   Q4_0: 32 elements -> { f16 d; uint8 q[16]; }  (x = (nibble-8)*d; low nibbles are elements 0..15, high 16..31) 18 bytes
//   Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K: formats/quant_rows.h
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace reach::run {

enum class DType : uint8_t { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K };

struct TypeTraits {
  DType type;
  std::string_view name;     // "Q4_0": as GGUF tools and safetensors print it
  int64_t block_elems;       // elements per block along a row (1 for plain types)
  int64_t block_bytes;       // bytes per block
  uint32_t ggml_type;        // its id in GGUF files
  bool safetensors;          // a safetensors dtype of the same name exists
  // What a product with a weight of this type first rounds the activation
  // to (llama.cpp's vec_dot_type): F16 weights see an F16-rounded
  // activation, Q8_0/Q4_0 weights a Q8_0-quantized one, F32/BF16 the F32.
  // (The K-quants' kernel quantizes to Q8_K, which no tensor is stored in:
  // kernels/q8_k.h; their rows, like Q4_1/Q5_0/Q5_1's, say Q8_0.)
  DType vec_dot_type;
  // Portable, exact conversions of one row of n elements (n a multiple of
  // block_elems): the reference the SIMD kernels are tested against, and
  // what the writer quantizes with (ggml's *_ref quantizers, bit for bit).
  void (*to_float)(const std::byte* row, float* out, int64_t n);
  void (*from_float)(const float* x, std::byte* out, int64_t n);

  bool quantized() const { return block_elems > 1; }
  // ggml's K-quants: super-blocks of 256 elements (Q2_K .. Q6_K).
  bool k_quant() const { return block_elems == 256; }
  // Bytes of a row of n elements (n a multiple of block_elems).
  size_t row_bytes(int64_t n) const { return static_cast<size_t>(n / block_elems * block_bytes); }
};

// Every DType has a row.
const TypeTraits& type_traits(DType t);
// nullptr when no row has that GGUF id or name.
const TypeTraits* type_by_ggml_id(uint32_t id);
const TypeTraits* type_by_name(std::string_view name);
// "F32, F16, BF16, Q8_0, Q4_0": the types a format can hold, for messages.
std::string type_names(bool (*in_format)(const TypeTraits&));

}  // namespace reach::run
