// A middle class brings the base's name in with `using` and adds an
// overload: the override below it is still reached.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: dead method M::f @
// CHECK-DAG: live method D::f @

//--- main.cpp
struct B { virtual ~B() {} virtual int f() const = 0; };
struct M : B { using B::f; int f(int x) const { return x; } };
struct D : M { int f() const override { return 42; } };
int main() { D d; const B &b = d; return b.f(); }
