#pragma once
// A LoRA update applied without merging it: after y = x · Wᵀ,
// y += scale · (x · Aᵀ) · Bᵀ, two thin sgemms through the rank. For rank r
// this adds 2·r·(in + out) multiply-adds per token to W's in·out.
#include <cstdint>

#include "lora/lora_adapter.h"

namespace reach::run {

// y {n, d.out} += d.scale · (x {n, d.in} · Aᵀ) · Bᵀ.
void add_lora_delta(const LoraDelta& d, const float* x, int64_t n, float* y);

}  // namespace reach::run
