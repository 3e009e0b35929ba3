#pragma once
#include "core/tensor.h"

namespace legacy {

// The inference backend that was replaced by core::sum.
class OldBackend {
public:
  int run(const core::Tensor &t);
  int warmup();
};

int make_and_run(int n);

} // namespace legacy
