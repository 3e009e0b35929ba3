// A library virtual overridden through project classes: libstdc++ calls
// `Derived::overflow` through `std::streambuf`, two project classes below
// it (#11, reproduction 5). The program runs first: its output proves the
// override executes, so the scan must call it live.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 3
// CHECK-DAG: live method Derived::overflow @
// CHECK-DAG: live method Middle::overflow @
// CHECK-DAG: dead method Unmade::overflow @

//--- main.cpp
#include <ostream>
#include <streambuf>
struct Counter : std::streambuf { int n = 0; };
struct Middle : Counter { int overflow(int c) override { n += 100; return c; } };
struct Derived : Middle {
  int overflow(int c) override { ++n; return c; }
};
struct Unmade : Middle { int overflow(int c) override { return c; } };
int main() {
  Derived d;
  Middle m;
  std::ostream os(&d), om(&m);
  os << "abc";
  om << "";
  return d.n;
}
