#include "store.h"

#include <cassert>

void Store::put(int v) {
  values_.push_back(v);
  assert(invariant());
}

int Store::sum() const {
  int s = 0;
  for (int v : values_)
    s += v;
  return s;
}

bool Store::invariant() const { return values_.size() < 1000; }

std::string Store::legacy_dump() const { return "store:" + std::to_string(sum()); }

int unused_helper() { return 42; }

int windows_extra() { return 0; }
