#pragma once
#include "core/tensor.h"

namespace core {

int sum(const Tensor &t);
/// An L1 norm nobody uses.
int legacy_norm(const Tensor &t);

template <class T> T clamp_dead(T v, T lo, T hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

} // namespace core
