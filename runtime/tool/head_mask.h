#pragma once
// --mask-heads LAYER:HEAD,...: the heads' outputs zeroed, as `prune` would
// zero their weights, for generate and perplexity.
#include <string>

#include "model/model.h"

namespace reach::run::cli {

class Args;

// Masks the heads `--mask-heads` names, if given; a malformed list or a head
// outside the model is a UsageError naming it.
void apply_head_mask(const Args& a, Model& model);

inline constexpr const char* kMaskHeadsHelp = "zero these heads' attention outputs, as pruning them would (LAYER:HEAD,...)";

}  // namespace reach::run::cli
