#include "core/tensor.h"

namespace core {

Tensor::Tensor(int n) : data_(n) {
  for (int i = 0; i < n; ++i)
    data_[i] = i;
}

int Tensor::size() const { return int(data_.size()); }

// The old accumulation loop, kept "just in case".
int Tensor::old_sum() const {
  int s = 0;
  for (int v : data_)
    s += v;
  return s;
}

} // namespace core
