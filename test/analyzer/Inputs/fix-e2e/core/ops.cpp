#include "core/ops.h"

namespace core {
namespace {
int add(int a, int b) { return a + b; }
int abs_value(int v) { return v < 0 ? -v : v; }
} // namespace

int sum(const Tensor &t) {
  int s = 0;
  for (int i = 0; i < t.size(); ++i)
    s = add(s, t.at(i));
  return s;
}

int legacy_norm(const Tensor &t) {
  int s = 0;
  for (int i = 0; i < t.size(); ++i)
    s += abs_value(t.at(i));
  return s;
}

int legacy_scale = 2;

} // namespace core
