// Multiple and virtual inheritance, with a pure re-declaration in one
// branch of a diamond.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method D::f @
// CHECK-DAG: live method D::g @
// CHECK-DAG: dead function unused @

//--- main.cpp
struct B { virtual ~B() {} virtual int f() const = 0; };
struct Other { virtual ~Other() {} virtual int g() const = 0; };
struct L : virtual B, Other { int f() const override = 0; int g() const override = 0; };
struct R : virtual B { int f() const override = 0; };
struct D : L, R {
  int f() const override { return 40; }
  int g() const override { return 2; }
};
int unused() { return 0; }
int main() { D d; const B &b = d; const Other &o = d; return b.f() + o.g(); }
