#pragma once
#include <vector>

namespace core {

/// A flat tensor of ints.
class Tensor {
public:
  explicit Tensor(int n);
  int size() const;
  int at(int i) const { return data_[i]; }
  /// Superseded by core::sum; nothing calls it any more.
  int old_sum() const;

private:
  std::vector<int> data_;
};

} // namespace core
