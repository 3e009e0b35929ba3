#pragma once
// The kernels are compiled for AVX2 + FMA + F16C. Call this once at start-up:
// it throws std::runtime_error naming the missing instructions, so an old CPU
// gets a message instead of SIGILL in the middle of a forward pass.
namespace reach::run {

void require_cpu_features();

}  // namespace reach::run
