#pragma once
// Head pruning: the model written again with the chosen heads' weights
// zeroed: their rows of q_proj (and q bias), their columns of o_proj, and
// the rows of k_proj and v_proj (and biases) of a KV head whose every query
// head is pruned. The model keeps its shape, so it loads anywhere the
// original does (reach-run, llama.cpp); a pruned head contributes exactly
// nothing, because its columns of o are zero.
//
// In the input's format, the files are copied byte for byte in chunks, the
// zeroed ranges cleared on the way: the output has the input's types, and
// the model is never held twice in memory. A zero byte pattern is the value
// 0 in every type here (F32, F16, BF16; a Q8_0/Q4_0 block with scale 0), so
// columns of a quantized o_proj can be cleared only in whole blocks: a
// head_dim that is not a multiple of the block size is refused. An HF folder
// can also be written as a GGUF file (forge/hf_to_gguf.h, tensor by tensor),
// the heads cleared in each tensor's GGUF layout on the way.
#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "formats/model_source.h"
#include "forge/heads.h"

namespace reach::run {

using HeadList = std::vector<std::pair<int32_t, int32_t>>;  // {layer, head}

// A byte range [begin, end) of a file to clear.
struct ZeroRange {
  size_t begin = 0, end = 0;
};

// Per tensor file, the sorted ranges that pruning `heads` clears. Throws
// std::invalid_argument naming a head outside the model or a type whose
// blocks a head's columns do not cover exactly.
std::vector<std::pair<std::filesystem::path, std::vector<ZeroRange>>> prune_ranges(const ModelSource& source,
                                                                                    const HeadList& heads);

// Clears the ranges of `file` in place (zero bytes): the same ranges
// prune_ranges gives for a file laid out as the source's (merge-lora's
// output is). Throws std::runtime_error naming the file.
void clear_ranges(const std::filesystem::path& file, const std::vector<ZeroRange>& ranges);

// The `fraction` of heads with the lowest score (weight_l2, or activation
// when `by_activation`), rounded to the nearest count.
HeadList lowest_heads(const std::vector<std::vector<HeadScore>>& scores, double fraction, bool by_activation);

// Writes the pruned model to `out`: for an HF folder, a folder (every other
// file of the folder copied too) or, when `out` ends in .gguf, a GGUF file;
// for a GGUF file, a .gguf file (a GGUF has no config.json or tokenizer.json
// to write a folder with). Refuses an `out` that exists. Throws
// std::invalid_argument / std::runtime_error / FormatError with the path and
// the problem.
void write_pruned(const ModelSource& source, const HeadList& heads, const std::filesystem::path& out);

}  // namespace reach::run
