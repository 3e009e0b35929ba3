// A function whose address is taken in reachable code escapes and is live;
// an address taken only in dead code keeps nothing alive.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: main.cpp:6: dead function 'only_in_dead'
// CHECK-DAG: main.cpp:7: dead function 'dead_user'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead method 'S::unused_target'
// NEG-NOT: 'callback'
// NEG-NOT: 'decayed'
// NEG-NOT: 'S::member_target'

//--- main.cpp
struct S { int member_target() { return 1; } int unused_target() { return 3; } };
int callback(int x) { return x; }
int decayed(int x) { return x + 1; }
int apply(int (*f)(int), int v) { return f(v); }
int (*stored)(int) = nullptr;
int only_in_dead(int x) { return x; }
void dead_user() { stored = &only_in_dead; }
int main() {
  int (S::*pm)() = &S::member_target;
  S s;
  int (*p)(int) = decayed;
  return apply(&callback, 1) + p(2) + (s.*pm)();
}
