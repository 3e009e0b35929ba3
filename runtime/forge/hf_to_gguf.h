#pragma once
// An HF folder written as one GGUF file, as llama.cpp's convert_hf_to_gguf.py
// writes it at its default type: every tensor keeps its type (F32, F16 or
// BF16) except 1-D ones (norms, biases), which become F32; tensors get
// llama.cpp's names and layout (q/k rows permuted for Llama and Mistral);
// config.json becomes the <arch>.* keys, tokenizer.json and
// tokenizer_config.json the tokenizer.ggml.* keys and the chat template;
// Llama-3 rope scaling becomes the rope_freqs.weight tensor. The file loads
// in reach-run and in llama.cpp.
//
// Written tensor by tensor: each is read from its mapping into one buffer in
// its GGUF type and layout, handed to `edit`, written, and its file pages
// handed back, so the model is never held in memory, let alone twice.
// Options may give each tensor another type (reach-run quantize): its rows
// are converted through F32 by the type table's ggml reference conversions.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "formats/model_source.h"

namespace reach::run {

// Called with each tensor as it will be written: `tensor` names it
// canonically and gives its GGUF type and shape (its data is `bytes`).
using TensorEdit = std::function<void(const TensorView& tensor, std::span<std::byte> bytes)>;

struct GgufWriteOptions {
  // The GGUF type of a tensor, given its GGUF name and the checkpoint's
  // tensor. Empty: the checkpoint's type (1-D tensors F32).
  std::function<DType(const std::string& gguf_name, const TensorView& t)> type;
  std::optional<uint32_t> file_type;  // general.file_type; default: that of the weights' type
  int threads = 1;                    // converting a tensor's rows
};

// `source` must be an HF folder. Throws FormatError naming the file for a
// tokenizer that cannot be converted (before `out` is created),
// std::runtime_error when writing fails; `out` is removed on failure.
void write_gguf_from_hf(const ModelSource& source, const std::filesystem::path& out, const TensorEdit& edit,
                        const GgufWriteOptions& options = {});

}  // namespace reach::run
