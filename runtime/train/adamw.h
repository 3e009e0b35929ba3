#pragma once
// AdamW as PyTorch's torch.optim.AdamW computes it (decoupled weight decay):
//   p ← p − lr·wd·p
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
// with the moments in fp32, or in 8 bits per value as bitsandbytes' 8-bit
// optimizers keep them: block-wise dynamic quantization (blocks of
// kAdamBlock values, each scaled by its absolute maximum, each value the
// nearest of the 256 codes of bitsandbytes' dynamic map: signed for m,
// unsigned for v), dequantized for the update and quantized again after.
// 8-bit state is 1 byte per value and moment plus 4 per block, against 8
// per value in fp32.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace reach::run::train {

struct AdamWSettings {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01;
};

constexpr int64_t kAdamBlock = 256;

// bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7,
// total_bits=8): 256 sorted codes in [-1, 1] (signed) or [0, 1].
const std::array<float, 256>& dynamic_map(bool is_signed);

// A moment stored as 8-bit codes per block, or as plain floats.
class MomentStore {
 public:
  MomentStore(size_t n, bool eight_bit, bool is_signed);
  void load(int64_t block, float* out) const;   // block's values (kAdamBlock, or fewer for the last)
  void store(int64_t block, const float* in);
  size_t bytes() const;

 private:
  size_t n_;
  bool eight_bit_, signed_;
  std::vector<float> plain_;       // fp32 state
  std::vector<uint8_t> codes_;     // 8-bit state: one code per value
  std::vector<float> absmax_;      // ... and one scale per block
};

// One tensor's optimizer state: its moments, as the next update reads them.
struct AdamW {
  AdamW(size_t n, bool eight_bit);
  // One step t (1, 2, ...) on parameters p with gradients g.
  void update(std::span<float> p, std::span<const float> g, int64_t t, double lr, const AdamWSettings& s);
  size_t state_bytes() const { return m.bytes() + v.bytes(); }

  MomentStore m, v;
};

}  // namespace reach::run::train
