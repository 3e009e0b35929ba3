#pragma once
// A LoRA pair being trained: W' = W + scale · B·A on a frozen W {out, in},
// A and B with their gradients. Initialized as PEFT initializes a new
// adapter (LoraLayer.reset_lora_parameters, init_lora_weights=True): A by
// kaiming_uniform_(a=√5), i.e. U(−1/√in, 1/√in); B zero, so training
// starts from the base model exactly.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace reach::run::train {

template <class T>
struct LoraParams {
  std::string weight;             // the canonical weight name it updates
  int64_t rank = 0, in = 0, out = 0;
  T scale = 1;                    // alpha / rank (alpha / √rank with rsLoRA)
  std::vector<T> a, b;            // {rank, in}, {out, rank}
  std::vector<T> grad_a, grad_b;  // same shapes, set by each step
};

template <class T>
LoraParams<T> new_lora_params(const std::string& weight, int64_t rank, int64_t in, int64_t out, double scale,
                              std::mt19937_64& rng) {
  LoraParams<T> p{weight, rank, in, out, static_cast<T>(scale), {}, {}, {}, {}};
  std::uniform_real_distribution<double> u(-1.0 / std::sqrt(static_cast<double>(in)), 1.0 / std::sqrt(static_cast<double>(in)));
  p.a.resize(static_cast<size_t>(rank * in));
  for (T& v : p.a) v = static_cast<T>(u(rng));
  p.b.assign(static_cast<size_t>(out * rank), T(0));
  p.grad_a.assign(p.a.size(), T(0));
  p.grad_b.assign(p.b.size(), T(0));
  return p;
}

}  // namespace reach::run::train
