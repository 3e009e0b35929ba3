// Template instantiations keep their own edges (#11, reproduction 6):
// `Sorted<ByValue>` is used in main, `Sorted<Reverse>` only in a test, so
// `Reverse::operator()` is test-only (not live through `Sorted::less`), and
// `why` shows only a path that can happen. A function template's
// instantiations alike: `apply<Twice>` only in the test. `Sorted::less` and
// `apply` themselves are live (one instantiation each reaches them).
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp test/sorted_test.cpp
// RUN: %reach-audit scan -p %t --root %t --rules %t/reach.yaml --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml 'Reverse::operator()' | FileCheck --check-prefix=WHY %s

// CHECK-DAG: live method Sorted::less @ src/sorted.h:
// CHECK-DAG: live operator ByValue::operator() @ src/cmp.h:
// CHECK-DAG: test-only operator Reverse::operator() @ src/cmp.h:
// CHECK-DAG: live function apply @ src/sorted.h:
// CHECK-DAG: live operator Once::operator() @ src/cmp.h:
// CHECK-DAG: test-only operator Twice::operator() @ src/cmp.h:
// CHECK-DAG: test-only class Twice @ src/cmp.h:
// CHECK-DAG: test-only class Reverse @ src/cmp.h:
// CHECK-DAG: dead operator Unused::operator() @ src/cmp.h:

// WHY: is test-only
// WHY: path from test root 'main'
// WHY-NOT: src/main.cpp

//--- reach.yaml
entries:
  - function: main
tests:
  - path: "test/**"
//--- src/cmp.h
#pragma once
struct ByValue { bool operator()(int a, int b) const { return a < b; } };
struct Reverse { bool operator()(int a, int b) const { return a > b; } };
struct Once { int operator()(int x) const { return x; } };
struct Twice { int operator()(int x) const { return 2 * x; } };
struct Unused { int operator()(int x) const { return -x; } };
//--- src/sorted.h
#pragma once
template <class Cmp> struct Sorted {
  bool less(int a, int b) const { return Cmp{}(a, b); }
};
template <class F> int apply(int x) { return F{}(x); }
//--- src/main.cpp
#include "cmp.h"
#include "sorted.h"
int main() {
  Sorted<ByValue> s;
  return s.less(1, 2) && apply<Once>(3) == 3 ? 0 : 1;
}
//--- test/sorted_test.cpp
#include "../src/cmp.h"
#include "../src/sorted.h"
int main() {
  Sorted<Reverse> s;
  return s.less(2, 1) && apply<Twice>(3) == 6 ? 0 : 1;
}
