#include "core/ops.h"

int main() {
  core::Tensor t(3);
  if (core::sum(t) != 3)
    return 1;
  return t.size() == 3 ? 0 : 1;
}
