#pragma once
// Everything the model needs from disk, whatever the format: the config, the
// tensors under one canonical naming, the RoPE layout the q/k rows were
// stored for, and where the tokenizer lives. `open_model` takes an HF folder
// (config.json + *.safetensors [+ model.safetensors.index.json] +
// tokenizer.json) or a .gguf file.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model_config.h"
#include "formats/tensor.h"
#include "tokenizer/tokenizer_data.h"

namespace reach::run {

// HF checkpoints rotate the two halves of each head (rotate_half); GGUF
// files of arch "llama" store q/k rows permuted so that rotating adjacent
// pairs gives the same result. Qwen2/Qwen3 GGUF files are not permuted.
enum class RopeStyle { HalfSplit, AdjacentPairs };

// Canonical tensor names are Hugging Face's:
//   model.embed_tokens.weight                      {vocab, dim}
//   model.layers.{i}.input_layernorm.weight        {dim}
//   model.layers.{i}.self_attn.q_proj.weight       {n_heads*head_dim, dim}   (+ .bias for Qwen2)
//   model.layers.{i}.self_attn.k_proj.weight       {n_kv_heads*head_dim, dim}(+ .bias)
//   model.layers.{i}.self_attn.v_proj.weight       {n_kv_heads*head_dim, dim}(+ .bias)
//   model.layers.{i}.self_attn.o_proj.weight       {dim, n_heads*head_dim}
//   model.layers.{i}.self_attn.q_norm.weight       {head_dim}  (Qwen3)
//   model.layers.{i}.self_attn.k_norm.weight       {head_dim}  (Qwen3)
//   model.layers.{i}.post_attention_layernorm.weight {dim}
//   model.layers.{i}.mlp.gate_proj.weight          {ffn_dim, dim}
//   model.layers.{i}.mlp.up_proj.weight            {ffn_dim, dim}
//   model.layers.{i}.mlp.down_proj.weight          {dim, ffn_dim}
//   model.norm.weight                              {dim}
//   lm_head.weight                                 {vocab, dim}  (absent when tied)
//   rope_freqs.weight                              {head_dim/2}  (GGUF only, Llama-3 rope
//       scaling: llama.cpp stores per-frequency divisors instead of the
//       rope_scaling parameters, so config().rope_scaling stays empty there)
// The GGUF loader maps blk.{i}.attn_q.weight etc. onto these names.
class ModelSource {
 public:
  virtual ~ModelSource() = default;

  virtual const ModelConfig& config() const = 0;
  virtual RopeStyle rope_style() const = 0;
  // nullptr when the model has no such tensor.
  virtual const TensorView* find(std::string_view canonical_name) const = 0;
  // Throws FormatError naming the file when the tensor is missing.
  virtual const TensorView& get(std::string_view canonical_name) const = 0;
  // The tokenizer: a tokenizer.json path for HF folders, or the vocabulary
  // read from GGUF metadata.
  virtual TokenizerSource tokenizer() const = 0;
  // For messages: the folder or file this came from.
  virtual const std::filesystem::path& path() const = 0;
  // Says that `t`'s bytes (one of this source's tensors) will not be read
  // again soon: the kernels keep Q8_0/Q4_0 matrices repacked, and without
  // this their file pages would count twice in the process's memory. Reading
  // `t` later still works (the pages come back from the file).
  virtual void drop_pages(const TensorView& t) const = 0;
  // Where `t`'s bytes (one of this source's tensors) lie on disk, for tools
  // that rewrite the files (prune): the file and the offset of its first byte.
  struct FileRange {
    std::filesystem::path file;
    size_t offset = 0;
  };
  virtual FileRange locate(const TensorView& t) const = 0;
  // Every file the model's tensors are read from.
  virtual std::vector<std::filesystem::path> tensor_files() const = 0;
};

// Throws FormatError for anything malformed, missing or unsupported.
std::unique_ptr<ModelSource> open_model(const std::filesystem::path& path);

}  // namespace reach::run
