// Roots the toolchain makes (#10): `used` and `retain` definitions are kept
// in the object file whatever calls them, `constructor`/`destructor`
// functions run at load and exit, and an `asm` label names a function for
// assembly. None is called from main, yet none is dead (fix deleted them).
// The program shows the constructor runs.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// RUNS: exit: 42
// CHECK-DAG: live function kept_used @
// CHECK-DAG: live function kept_gnu_used @
// CHECK-DAG: live function kept_retain @
// CHECK-DAG: live function at_load @
// CHECK-DAG: live function at_exit @
// CHECK-DAG: live function from_asm @
// CHECK-DAG: live function helper_of_used @
// CHECK-DAG: live variable used_table @
// CHECK-DAG: dead function plain_unused @
// JSON-DAG: "rule": "attribute used"
// JSON-DAG: "rule": "attribute constructor"
// JSON-DAG: "rule": "asm label"

//--- main.cpp
int loaded = 0;
int helper_of_used() { return 1; }
__attribute__((used)) int kept_used() { return helper_of_used(); }
[[gnu::used]] int kept_gnu_used() { return 2; }
__attribute__((used, retain)) int kept_retain() { return 3; }
__attribute__((constructor)) void at_load() { loaded = 42; }
__attribute__((destructor)) void at_exit() { loaded = 0; }
extern "C" int from_asm() asm("reach_from_asm");
extern "C" int from_asm() { return 4; }
__attribute__((used)) static const int used_table[] = {1, 2};
int plain_unused() { return 5; }
int main() { return loaded; }
