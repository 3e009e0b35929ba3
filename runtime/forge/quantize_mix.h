#pragma once
// Which type each tensor gets when a model is quantized with a named mix
// (reach-run quantize --type): llama.cpp's rules (llama-quant.cpp,
// llama_tensor_get_type) for dense models without an importance matrix,
// so that a Q4_K_M written here has the types llama-quantize would give.
// docs/formats.md has the table.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/tensor_type.h"

namespace reach::run {

struct QuantizeMix {
  std::string_view name;  // "q4_k_m", as --type takes it
  uint32_t file_type;     // general.file_type: llama.cpp's llama_ftype
  DType base;             // the type of the tensors no rule names
};

// The mixes --type takes, in the order --help lists them.
const std::vector<QuantizeMix>& quantize_mixes();
// Throws std::invalid_argument listing the names.
const QuantizeMix& parse_mix(std::string_view name);

// A tensor as the rules see it.
struct TensorPlace {
  std::string name;            // its GGUF name: "blk.3.attn_v.weight"
  std::vector<int64_t> shape;  // {rows, cols}: a row is `cols` elements
  int n_layers = 0;
  int n_gqa = 1;               // query heads per KV head
  bool tied = false;           // no output.weight: token_embd is the output head too
};

// The type `t` is written in.
DType mix_type(const QuantizeMix& mix, const TensorPlace& t);

}  // namespace reach::run
