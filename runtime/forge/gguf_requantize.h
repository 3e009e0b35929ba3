#pragma once
// A GGUF file written again with other tensor types: reach-run quantize
// with a GGUF input, as llama-quantize does it. Every metadata key is copied
// with its type and value (in key order, as gguf.h holds them) except
// general.file_type, which the options set, and
// general.quantization_version, written as 2 as llama-quantize writes it;
// the tensors keep their names, shapes, order and the file's alignment. A
// tensor whose type changes is converted through F32 by the type table's
// reference quantizers (forge/convert_rows.h); one that keeps its type is
// copied byte for byte. Streamed tensor by tensor as write_gguf_from_hf:
// memory stays near the largest tensor.
#include <filesystem>

#include "forge/hf_to_gguf.h"

namespace reach::run {

// Quantizing a tensor that is already quantized rounds it twice; as
// llama-quantize, that is refused unless `allow_requantize`.
// Throws FormatError naming `in` for a malformed file, std::invalid_argument
// when `out` is `in` or a tensor would be requantized without leave,
// std::runtime_error when writing fails (`out` is then removed).
void requantize_gguf(const std::filesystem::path& in, const std::filesystem::path& out, const TensorEdit& edit,
                     const GgufWriteOptions& options, bool allow_requantize = false);

}  // namespace reach::run
