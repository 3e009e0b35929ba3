// Lambdas' call operators are nodes: live where the lambda is created in
// live code, including when a library template (std::sort) invokes them;
// function objects passed to library algorithms are reached the same way.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead lambda 'dead_fn::(lambda at main.cpp:{{[0-9]+}})'
// CHECK-DAG: dead function 'from_dead_lambda'
// CHECK-DAG: dead function 'dead_fn'
// NEG-NOT: dead function 'from_lambda'
// NEG-NOT: dead function 'from_comparator'
// NEG-NOT: dead function 'from_functor'
// NEG-NOT: 'Counter::operator()'
// NEG-NOT: dead lambda 'main::

//--- main.cpp
#include <algorithm>
#include <vector>
int from_lambda() { return 1; }
int from_dead_lambda() { return 2; }
bool from_comparator(int a, int b) { return a < b; }
int from_functor(int x) { return x; }
struct Counter { int n = 0; void operator()(int x) { n += from_functor(x); } };
int dead_fn() { auto l = [] { return from_dead_lambda(); }; return l(); }
int main() {
  auto l = [] { return from_lambda(); };
  std::vector<int> v{3, 1, 2};
  std::sort(v.begin(), v.end(), [](int a, int b) { return from_comparator(a, b); });
  Counter c = std::for_each(v.begin(), v.end(), Counter{});
  return l() + c.n;
}
