#include "train/adamw.h"

#include <algorithm>
#include <cmath>

namespace reach::run::train {
namespace {

// bitsandbytes.functional.create_dynamic_map: for exponent i of 7, the
// means of 2^i (signed, both signs) or 2^(i+1) (unsigned) equal steps of
// [0.1, 1], times 10^(i − 6); then 0 and 1.
std::array<float, 256> make_dynamic_map(bool is_signed) {
  std::vector<double> data;
  for (int i = 0; i < 7; ++i) {
    const int items = is_signed ? (1 << i) + 1 : (1 << (i + 1)) + 1;
    const double scale = std::pow(10.0, -6 + i);
    for (int j = 0; j + 1 < items; ++j) {
      const double lo = 0.1 + 0.9 * j / (items - 1), hi = 0.1 + 0.9 * (j + 1) / (items - 1);
      data.push_back(scale * (lo + hi) / 2);
      if (is_signed) data.push_back(-scale * (lo + hi) / 2);
    }
  }
  data.push_back(0.0);
  data.push_back(1.0);
  while (data.size() < 256) data.push_back(0.0);
  std::sort(data.begin(), data.end());
  std::array<float, 256> map{};
  for (size_t i = 0; i < 256; ++i) map[i] = static_cast<float>(data[i]);
  return map;
}

// The code of the map's value nearest x.
uint8_t nearest_code(const std::array<float, 256>& map, float x) {
  const auto hi = std::lower_bound(map.begin(), map.end(), x);
  if (hi == map.begin()) return 0;
  if (hi == map.end()) return 255;
  const auto lo = hi - 1;
  return static_cast<uint8_t>((x - *lo <= *hi - x ? lo : hi) - map.begin());
}

}  // namespace

const std::array<float, 256>& dynamic_map(bool is_signed) {
  static const std::array<float, 256> signed_map = make_dynamic_map(true), unsigned_map = make_dynamic_map(false);
  return is_signed ? signed_map : unsigned_map;
}

MomentStore::MomentStore(size_t n, bool eight_bit, bool is_signed) : n_(n), eight_bit_(eight_bit), signed_(is_signed) {
  if (!eight_bit) {
    plain_.assign(n, 0.0f);
    return;
  }
  codes_.assign(n, nearest_code(dynamic_map(is_signed), 0.0f));
  absmax_.assign((n + kAdamBlock - 1) / kAdamBlock, 0.0f);
}

size_t MomentStore::bytes() const { return plain_.size() * 4 + codes_.size() + absmax_.size() * 4; }

void MomentStore::load(int64_t block, float* out) const {
  const size_t b = static_cast<size_t>(block * kAdamBlock), e = std::min(n_, b + kAdamBlock);
  if (!eight_bit_) {
    std::copy(plain_.begin() + static_cast<ptrdiff_t>(b), plain_.begin() + static_cast<ptrdiff_t>(e), out);
    return;
  }
  const auto& map = dynamic_map(signed_);
  const float scale = absmax_[static_cast<size_t>(block)];
  for (size_t i = b; i < e; ++i) out[i - b] = map[codes_[i]] * scale;
}

void MomentStore::store(int64_t block, const float* in) {
  const size_t b = static_cast<size_t>(block * kAdamBlock), e = std::min(n_, b + kAdamBlock);
  if (!eight_bit_) {
    std::copy(in, in + (e - b), plain_.begin() + static_cast<ptrdiff_t>(b));
    return;
  }
  float absmax = 0;
  for (size_t i = b; i < e; ++i) absmax = std::max(absmax, std::fabs(in[i - b]));
  absmax_[static_cast<size_t>(block)] = absmax;
  const auto& map = dynamic_map(signed_);
  for (size_t i = b; i < e; ++i) codes_[i] = nearest_code(map, absmax > 0 ? in[i - b] / absmax : 0.0f);
}

AdamW::AdamW(size_t n, bool eight_bit) : m(n, eight_bit, true), v(n, eight_bit, false) {}

void AdamW::update(std::span<float> p, std::span<const float> g, int64_t t, double lr, const AdamWSettings& s) {
  const double c1 = 1 - std::pow(s.beta1, static_cast<double>(t)), c2 = 1 - std::pow(s.beta2, static_cast<double>(t));
  float mb[kAdamBlock], vb[kAdamBlock];
  for (int64_t block = 0; block * kAdamBlock < static_cast<int64_t>(p.size()); ++block) {
    m.load(block, mb);
    v.load(block, vb);
    const size_t b = static_cast<size_t>(block * kAdamBlock), e = std::min(p.size(), b + kAdamBlock);
    for (size_t i = b; i < e; ++i) {
      const double gi = g[i];
      double mi = mb[i - b], vi = vb[i - b], pi = p[i];
      pi -= lr * s.weight_decay * pi;
      mi = s.beta1 * mi + (1 - s.beta1) * gi;
      vi = s.beta2 * vi + (1 - s.beta2) * gi * gi;
      pi -= lr * (mi / c1) / (std::sqrt(vi / c2) + s.eps);
      mb[i - b] = static_cast<float>(mi), vb[i - b] = static_cast<float>(vi), p[i] = static_cast<float>(pi);
    }
    m.store(block, mb);
    v.store(block, vb);
  }
}

}  // namespace reach::run::train
