// Templates in the middle: a class template that re-declares the virtual
// pure, and a CRTP class whose override calls into the derived class.
// The program is built and run first: its exit status proves the
// implementation executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method D::f @
// CHECK-DAG: live method Crtp::f @
// CHECK-DAG: live method E::impl @
// CHECK-DAG: dead method E::unused_impl @

//--- main.cpp
struct B { virtual ~B() {} virtual int f() const = 0; };
template <class T> struct Mid : B { int f() const override = 0; T pad{}; };
struct D : Mid<int> { int f() const override { return 40; } };
template <class Derived> struct Crtp : B {
  int f() const override { return static_cast<const Derived *>(this)->impl(); }
};
struct E : Crtp<E> { int impl() const { return 2; } int unused_impl() const { return 0; } };
int main() {
  D d; E e;
  const B *bs[] = {&d, &e};
  return bs[0]->f() + bs[1]->f();
}
