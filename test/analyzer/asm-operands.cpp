// Functions and variables named only as operands of an asm statement are
// used (#11): the asm reads their addresses, so deleting them breaks the
// build. The program runs first: its exit status proves the asm calls it.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 0

// CHECK-DAG: live function called_from_asm @
// CHECK-DAG: live variable asm_counter @
// CHECK-DAG: dead function not_in_asm @

//--- main.cpp
extern "C" int called_from_asm() { return 7; }
int asm_counter = 0;
int not_in_asm() { return 1; }
int main() {
  int (*fn)() = nullptr;
  asm volatile("mov %1, %0" : "=r"(fn) : "r"(&called_from_asm));
  asm volatile("" : "+m"(asm_counter));
  return fn() - 7 + asm_counter;
}
