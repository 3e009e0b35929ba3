// Template instantiations fold into their pattern: one node per template,
// live when any instantiation is reached; calls resolved only after
// substitution are seen.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: dead code:
// CHECK-DAG: dead function 'never_instantiated'
// CHECK-DAG: dead method 'Box::unused'
// CHECK-DAG: dead function 'only_from_uninstantiated'
// NEG-NOT: dead function 'twice'
// NEG-NOT: dead function 'hook'
// NEG-NOT: 'Box::get'
// NEG-NOT: 'Box::Box'

// One node for twice<int> and twice<double>:
// JSON-COUNT-1: "name": "twice",
// JSON-NOT: "name": "twice",

//--- main.cpp
struct A { };
void hook(A) {}
void only_from_uninstantiated() {}
template <class T> T twice(T x) { hook(A{}); return x + x; }
template <class T> void never_instantiated(T x) { only_from_uninstantiated(); }
template <class T> struct Box {
  T v;
  Box(T x) : v(x) {}
  T get() const { return v; }
  T unused() const { return v; }
};
int main() {
  Box<int> b(twice(1));
  return b.get() + int(twice(2.0));
}
