#pragma once
// A deliberately naive Llama-family forward pass in double precision,
// written from the Hugging Face modeling code (half-split RoPE, so it takes
// an HF-layout source), recomputing everything from scratch for each
// position. The model under test must agree with it.
#include <cstdint>
#include <vector>

#include "formats/model_source.h"

namespace reach::run::testing {

// Logits {vocab} of the last of `tokens`, all processed from position 0.
std::vector<double> reference_logits(const ModelSource& hf_source, const std::vector<int32_t>& tokens);

}  // namespace reach::run::testing
