// A translation unit that does not compile is named with its first error;
// what it defines or uses is not reported dead; exit 2 unless --keep-going.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp broken.cpp
// RUN: %exitcode %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: %exitcode %reach-audit scan -p %t --root %t --keep-going --json %t/out.json | FileCheck --check-prefix=KEEP %s
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: reach-audit: error: broken.cpp does not compile: broken.cpp:3:21: error: use of undeclared identifier 'undeclared_thing'
// CHECK: dead code:
// CHECK-NEXT: main.cpp
// CHECK-NEXT:   main.cpp:2: dead function 'really_dead'
// CHECK: unknown (not called dead: code this analysis could not read may use it):
// CHECK-DAG: broken.cpp:2: unknown function 'broken_helper': a translation unit that uses it did not compile
// CHECK-DAG: main.cpp:1: unknown function 'used_by_broken'
// CHECK: 1 translation unit(s) did not compile; fix them or pass --keep-going
// CHECK: exit: 2
// NEG-NOT: dead function 'used_by_broken'
// NEG-NOT: dead function 'broken_helper'
// NEG-NOT: errors generated

// KEEP: exit: 0
// JSON: "errors": [
// JSON: "unknown": 3

//--- main.cpp
int used_by_broken() { return 1; }
int really_dead() { return 2; }
int main() { return 0; }
//--- broken.cpp
int used_by_broken();
int broken_helper() { return used_by_broken(); }
int oops() { return undeclared_thing; }
