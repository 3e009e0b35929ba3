// Virtual destructors through a middle class whose destructor is pure:
// deleting through the base runs every destructor down the chain.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live destructor D::~D @
// CHECK-DAG: live destructor M::~M @
// CHECK-DAG: live destructor B::~B @
// CHECK-DAG: dead destructor Unused::~Unused @

//--- main.cpp
int result = 0;
struct B { virtual ~B() { result += 2; } };
struct M : B { ~M() override = 0; };
M::~M() { result += 10; }
struct D : M { ~D() override { result += 30; } };
struct Unused : M { ~Unused() override { result = -1; } };
int main() { B *b = new D; delete b; return result; }
