// A middle class re-declares the virtual as `override = 0`: calls through the
// base still reach every implementation below it (#20).
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method D::f @
// CHECK-DAG: dead method Unused::f @
// CHECK-DAG: dead function unused @

//--- main.cpp
struct B { virtual ~B() {} virtual int f() const = 0; int run() const { return f(); } };
struct M : B { int f() const override = 0; };
struct D : M { int f() const override { return 42; } };
struct Unused : M { int f() const override { return 1; } };
int unused() { return 0; }
int main() { D d; const B &b = d; return b.run(); }
