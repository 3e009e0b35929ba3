#include "core/ops.h"
#include "legacy/old_backend.h"

int main() {
  core::Tensor t(4);
  return core::sum(t) == 6 ? 0 : 1;
}
