#pragma once
// A LoRA adapter fitted to one model: for each weight matrix W {out, in} it
// targets, the low-rank update W' = W + scale · B·A, kept apart from W so
// the base weights stay as they are stored (quantized or not) and the
// update is added at run time (lora_delta.h), or merged into a written
// model (lora_merge.h).
//
// Two file formats:
//  - PEFT: a folder with adapter_config.json (peft_config.h) and
//    adapter_model.safetensors, keys
//    base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight {r, in}
//    and ...lora_B.weight {out, r}; scale lora_alpha / r (rsLoRA: / sqrt(r)).
//  - llama.cpp's GGUF LoRA (convert_lora_to_gguf.py): general.type
//    "adapter", adapter.type "lora", adapter.lora.alpha, tensors
//    blk.{i}.attn_q.weight.lora_a {r, in} and .lora_b {out, r}; scale
//    alpha / r, or 1 when alpha is 0 (llama.cpp's llm_build_lora_mm).
// Each is fitted to the model: Phi-3's fused qkv_proj / gate_up_proj pairs
// are split into the parts' rows as the model splits W (A is shared), and
// B's q/k rows are permuted between HF order and GGUF's when the adapter
// and the model store them differently (gguf_layout.h).
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "formats/model_source.h"

namespace reach::run {

// The matrices of a layer LoRA updates, in the forward's order (q k v o
// gate up down): PEFT's module name, `--targets`' short name, and the
// weight's canonical name after "model.layers.{i}." (ModelSource).
struct LoraTarget {
  const char* module;
  const char* short_name;
  const char* weight;
};
inline constexpr LoraTarget kLoraTargets[] = {
    {"q_proj", "q", "self_attn.q_proj.weight"},   {"k_proj", "k", "self_attn.k_proj.weight"},
    {"v_proj", "v", "self_attn.v_proj.weight"},   {"o_proj", "o", "self_attn.o_proj.weight"},
    {"gate_proj", "gate", "mlp.gate_proj.weight"}, {"up_proj", "up", "mlp.up_proj.weight"},
    {"down_proj", "down", "mlp.down_proj.weight"},
};

// model.layers.{layer}.<t.weight>
std::string lora_weight_name(int32_t layer, const LoraTarget& t);
// The module of a canonical weight name: "q_proj" of
// model.layers.0.self_attn.q_proj.weight.
std::string lora_module_of(const std::string& weight);

// One matrix's update.
struct LoraDelta {
  int64_t rank = 0, in = 0, out = 0;
  std::vector<float> a;  // {rank, in}    lora_A
  std::vector<float> b;  // {out, rank}   lora_B, rows in the model's own order
  float scale = 1.0f;    // the file's (alpha / rank, ...) times the user's
};

struct LoraAdapter {
  std::filesystem::path path;
  // By the canonical name of the weight it updates, as ModelSource names it
  // (model.layers.0.self_attn.q_proj.weight).
  std::map<std::string, LoraDelta> deltas;
};

// Reads the adapter at `path` (a PEFT folder or a .gguf file) and fits it
// to `model`, its scale multiplied by `user_scale`. Throws FormatError
// naming the file and the problem: malformed files, an unsupported field,
// a module reach-run cannot apply (embeddings, lm_head, ...), a layer or a
// shape the model does not have, A without B, ranks that disagree,
// non-finite values, an architecture other than the model's.
LoraAdapter load_lora(const std::filesystem::path& path, float user_scale, const ModelSource& model);

// `--lora PATH[:SCALE]`: the path and the scale (1 when not given). A colon
// followed by something that is not a number stays part of the path.
// Throws std::invalid_argument for an empty path or a non-finite scale.
std::pair<std::filesystem::path, float> parse_lora_option(const std::string& text);

}  // namespace reach::run
