// Q4_K, Q5_K and Q6_K (formats/quant_rows.h): 256-element super-blocks of
// sub-blocks with their own 6- or 8-bit scales. The quantizers follow
// ggml's reference ones step for step (make_qkx2_quants' search over
// scales and minimums for Q4_K/Q5_K, make_qx_quants' search for Q6_K,
// nearest_int's rounding), since a different but equally good choice
// would give other bytes than llama-quantize.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/block_io.h"
#include "formats/half.h"
#include "formats/quant_blocks.h"
#include "formats/quant_rows.h"

namespace reach::run::quants {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

void set_scale_min(int j, uint8_t ls, uint8_t lm, uint8_t* q) {
  if (j < 4) {
    q[j] = ls;
    q[j + 4] = lm;
  } else {
    q[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
    q[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
    q[j] |= static_cast<uint8_t>((lm >> 4) << 6);
  }
}

// Codes L[i] in [0, nmax] and (scale, -min) with x ≈ scale·L - min, the
// weighted squared (or, with use_mad, absolute) error minimised over
// nstep+1 candidate scales (ggml's make_qkx2_quants). n ≤ 32.
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float& neg_min, float rmin,
                    float rdelta, int nstep, bool use_mad = false) {
  const auto error = [&](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
  float min = x[0], max = x[0], sum_w = w[0], sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, 0);
    neg_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    best_error += w[i] * error(scale * L[i] + min - x[i]);
  }
  uint8_t aux[32];
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
      aux[i] = static_cast<uint8_t>(l);
      sum_l += w[i] * l;
      sum_l2 += w[i] * l * l;
      sum_xl += w[i] * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (!(D > 0)) continue;  // NaN too, as ggml skips it
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    float cur_error = 0;
    for (int i = 0; i < n; ++i) cur_error += w[i] * error(this_scale * aux[i] + this_min - x[i]);
    if (cur_error < best_error) {
      std::copy(aux, aux + n, L);
      best_error = cur_error;
      scale = this_scale;
      min = this_min;
    }
  }
  neg_min = -min;
  return scale;
}

// The element of largest magnitude, with its sign (the first of equals).
float signed_extreme(int n, const float* x) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) amax = std::fabs(x[i]), max = x[i];
  return max;
}

// Signed codes L[i] + nmax in [0, 2·nmax) with x ≈ scale·L, searched over 19
// scales around nmax/max, weighted by x² (ggml's make_qx_quants with
// rmse_type 1 and no importance weights).
float fit_scale(int n, int nmax, const float* x, int8_t* L) {
  const float max = signed_extreme(n, x);
  if (std::fabs(max) < kGroupMaxEps) {  // all zero
    std::fill(L, L + n, 0);
    return 0.f;
  }
  const auto code = [&](float iscale, int i) { return std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i]))); };
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = code(iscale, i);
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = code(iscale, i);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(nmax + code(iscale, i));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Signed codes in [-nmax, nmax) for Q3_K, then refined element by element
// (up to five passes) while the weighted fit improves; returns the scale
// and leaves L[i] + nmax (ggml's make_q3_quants with do_rmse).
float fit_scale_refined(int n, int nmax, const float* x, int8_t* L) {
  const float max = signed_extreme(n, x);
  if (std::fabs(max) < kGroupMaxEps) {  // all zero
    std::fill(L, L + n, 0);
    return 0.f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (!(slx > 0)) continue;
      float sl2 = suml2 - w * L[i] * L[i];
      const int new_l = std::max(-nmax, std::min(nmax - 1, nearest_int(x[i] * sl2 / slx)));
      if (new_l == L[i]) continue;
      slx += w * x[i] * new_l;
      sl2 += w * new_l * new_l;
      if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
        L[i] = static_cast<int8_t>(new_l);
        sumlx = slx;
        suml2 = sl2;
        ++changed;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Q2_K and Q3_K keep four 2-bit codes per byte: element j+l in bits 0-1,
// j+l+32 in 2-3, j+l+64 in 4-5, j+l+96 in 6-7 of byte j/4 + l.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kSuper; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}



// Q4_K and Q5_K share everything but the code width: per sub-block of 32 a
// (scale, min) fit, both quantized to 6 bits against the super-block's
// largest, then every element's code against the quantized pair.
void fit_k_scales(const float* x, int nmax, float rmin, int nstep, uint16_t& d, uint16_t& dmin, uint8_t* scales,
                  uint8_t* L) {
  float sub_scale[8], sub_min[8], max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* v = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += v[l] * v[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    float w[32];
    for (int l = 0; l < 32; ++l) w[l] = av_x + std::fabs(v[l]);
    sub_scale[j] = fit_scale_min(32, nmax, v, w, L + 32 * j, sub_min[j], rmin, 0.1f, nstep);
    max_scale = std::max(max_scale, sub_scale[j]);
    max_min = std::max(max_min, sub_min[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  std::memset(scales, 0, 12);
  for (int j = 0; j < 8; ++j) {
    const auto ls = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * sub_scale[j])));
    const auto lm = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * sub_min[j])));
    set_scale_min(j, ls, lm, scales);
  }
  d = f32_to_f16(max_scale / 63.f);
  dmin = f32_to_f16(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    scale_min(j, scales, sc, m);
    const float dj = f16_to_f32(d) * sc;
    if (!dj) continue;
    const float dm = f16_to_f32(dmin) * m;
    for (int i = 0; i < 32; ++i) L[32 * j + i] = static_cast<uint8_t>(std::max(0, std::min(nmax, nearest_int((x[32 * j + i] + dm) / dj))));
  }
}

}  // namespace

void q2_k_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b) {
    const auto blk = load_block<BlockQ2K>(row, b);
    const float d = f16_to_f32(blk.d), dmin = f16_to_f32(blk.dmin);
    float* y = out + b * kSuper;
    for (int e = 0; e < kSuper; ++e) {
      const uint8_t sc = blk.scales[e / 16];
      y[e] = d * (sc & 0xF) * code_2bit(blk.qs, e) - dmin * (sc >> 4);
    }
  }
}

void q2_k_from_float(const float* x, std::byte* out, int64_t n) {
  constexpr float kLevels = 15.f;  // 4-bit scales and minimums
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ2K blk{};
    uint8_t L[kSuper];
    float scales[16], mins[16], max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      float w[16];
      for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * j + l]);
      scales[j] = fit_scale_min(16, 3, x + 16 * j, w, L + 16 * j, mins[j], -0.5f, 0.1f, 15, /*use_mad=*/true);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    if (max_scale > 0) {
      const float iscale = kLevels / max_scale;
      for (int j = 0; j < 16; ++j) blk.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      blk.d = f32_to_f16(max_scale / kLevels);
    }
    if (max_min > 0) {
      const float iscale = kLevels / max_min;
      for (int j = 0; j < 16; ++j) blk.scales[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
      blk.dmin = f32_to_f16(max_min / kLevels);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = f16_to_f32(blk.d) * (blk.scales[j] & 0xF);
      if (!d) continue;
      const float dm = f16_to_f32(blk.dmin) * (blk.scales[j] >> 4);
      for (int i = 0; i < 16; ++i) L[16 * j + i] = static_cast<uint8_t>(std::max(0, std::min(3, nearest_int((x[16 * j + i] + dm) / d))));
    }
    pack_2bit(L, blk.qs);
    store_block(out, b, blk);
  }
}

void q3_k_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b) {
    const auto blk = load_block<BlockQ3K>(row, b);
    const float d = f16_to_f32(blk.d);
    float* y = out + b * kSuper;
    for (int e = 0; e < kSuper; ++e) {
      // The high bit of element e: byte e % 32 of hmask, bit e / 32.
      const int high = (blk.hmask[e % 32] >> (e / 32)) & 1;
      const float dl = d * static_cast<float>(q3_scale(blk.scales, e / 16));
      y[e] = dl * static_cast<float>(code_2bit(blk.qs, e) - (high ? 0 : 4));
    }
  }
}

void q3_k_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ3K blk{};
    int8_t L[kSuper];
    float scales[16], max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = fit_scale_refined(16, 4, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > amax) amax = std::fabs(scales[j]), max_scale = scales[j];
    }
    if (max_scale) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        const int l = std::max(-32, std::min(31, static_cast<int>(static_cast<int8_t>(nearest_int(iscale * scales[j]))))) + 32;
        if (j < 8) blk.scales[j] = static_cast<uint8_t>(l & 0xF);
        else blk.scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        blk.scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      blk.d = f32_to_f16(1 / iscale);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = f16_to_f32(blk.d) * static_cast<float>(q3_scale(blk.scales, j));
      if (!d) continue;
      for (int i = 0; i < 16; ++i) L[16 * j + i] = static_cast<int8_t>(std::max(-4, std::min(3, nearest_int(x[16 * j + i] / d))) + 4);
    }
    uint8_t low[kSuper];
    for (int e = 0; e < kSuper; ++e) {  // the high bit of element e: byte e % 32 of hmask, bit e / 32
      if (L[e] > 3) blk.hmask[e % 32] |= static_cast<uint8_t>(1 << (e / 32)), L[e] = static_cast<int8_t>(L[e] - 4);
      low[e] = static_cast<uint8_t>(L[e]);
    }
    pack_2bit(low, blk.qs);
    store_block(out, b, blk);
  }
}

void q4_k_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b) {
    const auto blk = load_block<BlockQ4K>(row, b);
    const float d = f16_to_f32(blk.d), dmin = f16_to_f32(blk.dmin);
    float* y = out + b * kSuper;
    const uint8_t* q = blk.qs;
    for (int j = 0; j < 8; j += 2, q += 32) {  // 32 bytes: sub-block j in the low nibbles, j+1 in the high
      uint8_t sc, m;
      scale_min(j, blk.scales, sc, m);
      const float d1 = d * sc, m1 = dmin * m;
      scale_min(j + 1, blk.scales, sc, m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void q4_k_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ4K blk{};
    uint8_t L[kSuper];
    fit_k_scales(x, 15, -1.f, 20, blk.d, blk.dmin, blk.scales, L);
    for (int j = 0; j < kSuper; j += 64)
      for (int l = 0; l < 32; ++l) blk.qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    store_block(out, b, blk);
  }
}

void q5_k_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b) {
    const auto blk = load_block<BlockQ5K>(row, b);
    const float d = f16_to_f32(blk.d), dmin = f16_to_f32(blk.dmin);
    float* y = out + b * kSuper;
    const uint8_t* ql = blk.qs;
    uint8_t u1 = 1, u2 = 2;  // the 5th bits of sub-blocks j and j+1 in qh
    for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      uint8_t sc, m;
      scale_min(j, blk.scales, sc, m);
      const float d1 = d * sc, m1 = dmin * m;
      scale_min(j + 1, blk.scales, sc, m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (blk.qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (blk.qh[l] & u2 ? 16 : 0)) - m2;
    }
  }
}

void q5_k_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ5K blk{};
    uint8_t L[kSuper];
    fit_k_scales(x, 31, -0.5f, 15, blk.d, blk.dmin, blk.scales, L);
    uint8_t m1 = 1, m2 = 2;
    for (int j = 0; j < kSuper; j += 64, m1 <<= 2, m2 <<= 2)
      for (int l = 0; l < 32; ++l) {
        int l1 = L[j + l], l2 = L[j + l + 32];
        if (l1 > 15) l1 -= 16, blk.qh[l] |= m1;
        if (l2 > 15) l2 -= 16, blk.qh[l] |= m2;
        blk.qs[j / 2 + l] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
    store_block(out, b, blk);
  }
}

void q6_k_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b) {
    const auto blk = load_block<BlockQ6K>(row, b);
    const float d = f16_to_f32(blk.d);
    float* y = out + b * kSuper;
    for (int half = 0; half < 2; ++half, y += 128) {  // 128 elements: 64 bytes of ql, 32 of qh, 8 scales
      const uint8_t* ql = blk.ql + 64 * half;
      const uint8_t* qh = blk.qh + 32 * half;
      const int8_t* sc = blk.scales + 8 * half;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

void q6_k_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ6K blk{};
    int8_t L[kSuper];
    float scales[16], max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
      scales[ib] = fit_scale(16, 32, x + 16 * ib, L + 16 * ib);
      if (std::fabs(scales[ib]) > max_abs_scale) max_abs_scale = std::fabs(scales[ib]), max_scale = scales[ib];
    }
    if (max_abs_scale < kGroupMaxEps) {  // all zero
      store_block(out, b, blk);
      continue;
    }
    const float iscale = -128.f / max_scale;
    blk.d = f32_to_f16(1 / iscale);
    for (int ib = 0; ib < 16; ++ib) blk.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < 16; ++j) {
      const float d = f16_to_f32(blk.d) * blk.scales[j];
      if (!d) continue;
      for (int i = 0; i < 16; ++i) L[16 * j + i] = static_cast<int8_t>(std::max(-32, std::min(31, nearest_int(x[16 * j + i] / d))) + 32);
    }
    for (int j = 0; j < kSuper; j += 128) {
      uint8_t* ql = blk.ql + j / 2;
      uint8_t* qh = blk.qh + j / 4;
      for (int l = 0; l < 32; ++l) {
        const auto q = [&](int k) { return static_cast<uint8_t>(L[j + l + 32 * k]); };
        ql[l] = static_cast<uint8_t>((q(0) & 0xF) | ((q(2) & 0xF) << 4));
        ql[l + 32] = static_cast<uint8_t>((q(1) & 0xF) | ((q(3) & 0xF) << 4));
        qh[l] = static_cast<uint8_t>((q(0) >> 4) | ((q(1) >> 4) << 2) | ((q(2) >> 4) << 4) | ((q(3) >> 4) << 6));
      }
    }
    store_block(out, b, blk);
  }
}

}  // namespace reach::run::quants
