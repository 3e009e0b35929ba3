#pragma once
// Llama-3 RoPE scaling (config.json's rope_scaling, transformers'
// _compute_llama3_parameters) as one divisor per rotation frequency: 1 for
// short wavelengths, `factor` for long ones, a blend in between. The kernels
// divide the frequencies by it; llama.cpp's converter stores the divisors in
// GGUF as the rope_freqs.weight tensor, and so do the GGUF writers here.
#include <cstdint>
#include <vector>

#include "formats/model_config.h"

namespace reach::run {

// The divisor of rotation frequency `freq` (radians per position).
double llama3_rope_divisor(const RopeScaling& scaling, double freq);
// The divisors of a head's head_dim / 2 frequencies, theta^(-2i/head_dim).
std::vector<float> llama3_rope_divisors(const RopeScaling& scaling, float theta, int32_t head_dim);

}  // namespace reach::run
