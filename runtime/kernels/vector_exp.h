#pragma once
// e^x and softmax's numerator, written once over a vector type V (F32x8 in
// kernels/f32x8.h, F32x16 in attention_avx512.cpp) for the .cpp files that
// compile V's instruction set. Every lane runs the same operations in every
// width, and exp_shifted adds its sum in the same order, so each width
// gives the same bits as ops.h's exp_shifted (the 8-lane one).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace reach::run::vector_exp {

// e^x in every lane, within 2 ulp of std::exp: Cephes' expf (x = n·ln 2 + r
// with ln 2 in two parts, a degree-6 polynomial for e^r), and 2^n applied
// as two factors so that every n of [-126, 128] stays a normal float.
// Below ln(FLT_MIN) the result is 0 (the true value is a denormal), above
// ln(FLT_MAX) it is +inf, and NaN stays NaN.
template <class V>
[[gnu::always_inline]] inline typename V::F exp(typename V::F x) {
  using F = typename V::F;
  const F lowest = V::set1(-87.33654475f), highest = V::set1(88.72283905f);
  const F xc = V::max(lowest, V::min(highest, x));  // NaN passes
  const F n = V::round_to_nearest(V::mul(xc, V::set1(std::numbers::log2e_v<float>)));
  F r = V::fnmadd(n, V::set1(0.693359375f), xc);
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  F p = V::set1(1.9875691500e-4f);
  for (float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f})
    p = V::fmadd(p, r, V::set1(c));
  p = V::add(V::fmadd(V::mul(p, r), r, r), V::set1(1.0f));
  const F y = V::where_less(x, lowest, V::zero(), V::times_pow2(p, n));
  return V::where_greater(x, highest, V::set1(std::numeric_limits<float>::infinity()), y);
}

// The largest of x[0..n). It does not depend on the order, and NaN is
// skipped as std::max(max, x[i]) skips it: max returns its second operand,
// the running maximum, when x is NaN.
template <class V>
float max_of(const float* x, int64_t n) {
  typename V::F lanes = V::set1(-INFINITY);
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) lanes = V::max(V::load(x + i), lanes);
  float max = V::max_lane(lanes);
  for (; i < n; ++i) max = std::max(max, x[i]);
  return max;
}

// Σ of floats in sixteen double lanes: element i of a row in lane i % 16,
// each lane a chain in the row's order, then one fixed tree over the lanes.
// V keeps the lanes in its registers (V::Sum: add_to, lanes_into), so every
// width adds the same doubles in the same order: the same bits. Four or
// two independent chains, where one chain of four-lane adds waited on the
// adder's latency (half of exp_shifted's time at 2048 positions).
template <class V>
double sum_of_lanes(const typename V::Sum& sum) {
  alignas(64) double l[16];
  V::lanes_into(sum, l);
  for (int j = 0; j < 8; ++j) l[j] += l[j + 8];
  for (int j = 0; j < 4; ++j) l[j] += l[j + 4];
  return (l[0] + l[2]) + (l[1] + l[3]);
}

// ops.h's exp_shifted: x = e^(x - max) in place, returns 1 / Σ, the sum in
// double (long rows lose nothing) by sum_of_lanes; lanes past n are +0,
// which adds nothing.
template <class V>
float exp_shifted(float* x, int64_t n) {
  constexpr int kParts = 16 / V::kLanes;  // vectors per sixteen lanes of the sum
  const typename V::F shift = V::set1(max_of<V>(x, n));
  typename V::Sum sum{};
  // Part `part` of the sixteen: whole vectors, or the row's last lanes.
  const auto one = [&](int64_t at, int part, bool whole) [[gnu::always_inline]] {
    if (whole) {
      const typename V::F e = exp<V>(V::sub(V::load(x + at), shift));
      V::store(x + at, e);
      V::add_to(sum, e, part);
    } else {
      const typename V::Mask lanes = V::lanes_below(n - at);
      const typename V::F e = V::clear_past(lanes, exp<V>(V::sub(V::load(x + at, lanes, false), shift)));
      V::store(x + at, lanes, e);
      V::add_to(sum, e, part);
    }
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    one(i, 0, true);
    if constexpr (kParts == 2) one(i + 8, 1, true);
  }
  if (i < n) one(i, 0, false);
  if (kParts == 2 && i + 8 < n) one(i + 8, 1, false);
  return static_cast<float>(1.0 / sum_of_lanes<V>(sum));
}

// ops.h's silu_mul: gate = gate / (1 + e^-gate) · up, a vector at a time.
// Whole vectors use plain loads and stores (on AMD Zen AVX2's masked store
// is microcoded: with three masked accesses a vector SwiGLU over 5632
// floats took 5.3 µs, serial work in every layer of decode), the row's
// short last vector masked ones.
template <class V>
void silu_mul(float* gate, const float* up, int64_t n) {
  using F = typename V::F;
  const auto one = [&](int64_t at, typename V::Mask lanes, bool whole) [[gnu::always_inline]] {
    const F g = V::load(gate + at, lanes, whole);
    const F out = V::mul(V::div(g, V::add(V::set1(1.0f), exp<V>(V::sub(V::zero(), g)))), V::load(up + at, lanes, whole));
    if (whole) V::store(gate + at, out);
    else V::store(gate + at, lanes, out);
  };
  const typename V::Mask all = V::lanes_below(V::kLanes);
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) one(i, all, true);
  if (i < n) one(i, V::lanes_below(n - i), false);
}

}  // namespace reach::run::vector_exp
