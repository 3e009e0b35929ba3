#pragma once
// What the commands share about heads: --mask-heads LAYER:HEAD,... (the
// heads' outputs zeroed, as `prune` would zero their weights; generate and
// perplexity), and the activation scores of --file (heads and prune); and
// reading a text file (those and perplexity).
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "forge/heads.h"
#include "model/model.h"

namespace reach::run::cli {

class Args;

// Masks the heads `--mask-heads` names, if given; a malformed list or a head
// outside the model is a UsageError naming it.
void apply_head_mask(const Args& a, Model& model);

// The file's text; empty or not UTF-8 is a UsageError naming the file.
std::string read_text_file(const std::string& path);

// Adds the activation score of each head over --file's text (windows of
// --ctx-size, on --threads), loading the model for it.
void add_file_activation_scores(const Args& a, const ModelSource& source, std::vector<std::vector<HeadScore>>& scores);

inline constexpr const char* kMaskHeadsHelp = "zero these heads' attention outputs, as pruning them would (LAYER:HEAD,...)";

}  // namespace reach::run::cli
