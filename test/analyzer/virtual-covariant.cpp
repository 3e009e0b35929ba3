// Covariant return types, re-declared pure in the middle.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method D::clone @
// CHECK-DAG: live method D::v @

//--- main.cpp
struct B { virtual ~B() {} virtual B *clone() const = 0; virtual int v() const { return 0; } };
struct M : B { M *clone() const override = 0; };
struct D : M {
  D *clone() const override { return new D(*this); }
  int v() const override { return 42; }
};
int main() {
  D d; const B &b = d;
  B *c = b.clone();
  int r = c->v();
  delete c;
  return r;
}
