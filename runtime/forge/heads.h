#pragma once
// How much each attention head matters, per layer: from its weights (the
// L2 norms of its slices) and, given a text, from what it outputs.
//
// Head h of a layer owns rows h·hd … (h+1)·hd−1 of q_proj {n_heads·hd, dim}
// and the same columns of o_proj {dim, n_heads·hd}; its KV head g = h / (n_heads
// / n_kv_heads) owns those rows of k_proj and v_proj, shared by the group.
// weight_l2 = sqrt(|q_h|² + |o_h|²): what is the head's alone (k and v are
// reported, but a group's heads cannot be told apart by them).
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/model_source.h"
#include "model/model.h"

namespace reach::run {

struct HeadScore {
  int32_t layer = 0, head = 0, kv_head = 0;
  double q_l2 = 0, k_l2 = 0, v_l2 = 0, o_l2 = 0;  // Frobenius norms of the slices
  double weight_l2 = 0;                         // sqrt(q_l2² + o_l2²)
  double activation = -1;                       // mean L2 norm of the head's output per token; -1: not measured
};

// [layer][head], read from the file's tensors in whatever type they are
// stored (each row converted by the type table's to_float, not the kernels).
std::vector<std::vector<HeadScore>> head_weight_scores(const ModelSource& source);

// "0:3,5:1" -> {{0, 3}, {5, 1}}: layer:head pairs, as --heads and
// --mask-heads take them. Throws std::invalid_argument naming the item.
std::vector<std::pair<int32_t, int32_t>> parse_head_list(std::string_view spec);

// Adds `activation` to `scores`: the head's attention output (before
// o_proj) averaged over every token of `tokens`, run in windows of `ctx`.
void add_activation_scores(Model& model, std::span<const int32_t> tokens, int64_t ctx,
                           std::vector<std::vector<HeadScore>>& scores);

}  // namespace reach::run
