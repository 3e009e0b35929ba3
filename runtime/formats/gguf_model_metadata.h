#pragma once
// The metadata a GGUF file needs for reach-run and llama.cpp to load a
// model, written as llama.cpp's converter (convert_hf_to_gguf.py) writes it:
// general.*, the <arch>.* hyper-parameters and the tokenizer.ggml.* keys.
// gguf_model.h reads the same keys back.
#include <cstdint>
#include <string>

#include "formats/gguf_writer.h"
#include "formats/model_config.h"
#include "formats/tensor_type.h"
#include "tokenizer/tokenizer_data.h"

namespace reach::run {

// general.architecture: "llama" (Llama and Mistral), "qwen2", "qwen3".
std::string gguf_architecture(Arch arch);

// llama.cpp's llama_ftype for a file of weights of one type (its _S mix for
// the K-quants).
uint32_t gguf_file_type(DType t);

// general.*, then <arch>.*: sizes, heads, RoPE base, norm epsilon.
// `file_type` is general.file_type (gguf_file_type, or a mix's).
void add_model_metadata(GgufMetadata& metadata, const ModelConfig& config, const std::string& name,
                        uint32_t file_type);

// tokenizer.ggml.*: model, pre-tokenizer, tokens, scores, types, merges,
// special ids, add_bos / add_eos.
void add_vocab_metadata(GgufMetadata& metadata, const GgufVocab& vocab);

}  // namespace reach::run
