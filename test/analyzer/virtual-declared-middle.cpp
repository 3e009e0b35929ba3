// A middle class declares the override in its header and defines it in
// another translation unit: the chain through the declaration holds.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp m.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp %t/m.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method D::f @
// CHECK-DAG: dead method M::g @

//--- h.h
struct B { virtual ~B() {} virtual int f() const = 0; };
struct M : B { int f() const override; int g() const; };
struct D : M { int f() const override; };
//--- m.cpp
#include "h.h"
int M::f() const { return 1; }
int M::g() const { return 2; }
int D::f() const { return 42; }
//--- main.cpp
#include "h.h"
int main() { D d; const B &b = d; return b.f(); }
