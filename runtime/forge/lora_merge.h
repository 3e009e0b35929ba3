#pragma once
// reach-run merge-lora: a model written again with LoRA updates merged into
// its weights, W' = W + Σ scale · B·A, in the input's format and types: the
// files are copied, then each updated tensor's bytes are overwritten in
// place, one tensor at a time (memory stays near the largest tensor). A
// quantized tensor is dequantized, updated and quantized again to its own
// type by the type table's reference quantizer: the merged file then
// carries that type's rounding of W' (once), on top of the rounding W
// already had.
#include <filesystem>
#include <vector>

#include "formats/model_source.h"
#include "kernels/thread_pool.h"
#include "lora/lora_adapter.h"

namespace reach::run {

// `out`: a folder for an HF folder, a .gguf file for a GGUF file; it must
// not exist. Throws std::invalid_argument (out exists, or a GGUF written to
// anything but .gguf), std::runtime_error when writing fails (what was
// written is removed), FormatError from the source.
void write_merged(const ModelSource& source, const std::vector<LoraAdapter>& adapters,
                  const std::filesystem::path& out, ThreadPool& pool);

// W {rows, cols} (F32, row-major) += Σ scale · B·A of the deltas.
void merge_deltas(float* w, int64_t rows, int64_t cols, const std::vector<const LoraDelta*>& deltas);

}  // namespace reach::run
