// Default arguments are evaluated at the call site; in-class member
// initializers run when the class is constructed.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead function 'only_default_of_dead'
// CHECK-DAG: dead function 'init_of_unbuilt'
// NEG-NOT: dead function 'default_value'
// NEG-NOT: dead function 'member_init'
// NEG-NOT: dead function 'aggregate_init'

//--- main.cpp
int default_value() { return 4; }
int only_default_of_dead() { return 5; }
int member_init() { return 6; }
int aggregate_init() { return 7; }
int init_of_unbuilt() { return 8; }
int take(int x = default_value()) { return x; }
int never_called(int x = only_default_of_dead()) { return x; }
struct WithCtor { int v = member_init(); WithCtor() {} };
struct Aggregate { int a = aggregate_init(); int b; };
struct Unbuilt { int u = init_of_unbuilt(); Unbuilt() {} };
int main() {
  WithCtor w;
  Aggregate g{};
  return take() + w.v + g.a;
}
