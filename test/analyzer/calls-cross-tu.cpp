// Calls link across translation units by USR; an inline function defined in
// a header and used by two TUs is one node.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp lib.cpp
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: reach-audit: 2 translation units, 6 definitions
// CHECK-NEXT: live: 4  test-only: 0  dead: 2
// CHECK:      lib.cpp
// CHECK-NEXT:   lib.cpp:4: dead function 'util::unused'
// CHECK-NEXT: lib.h
// CHECK-NEXT:   lib.h:4: dead function 'util::helper_unused'
// NEG-NOT: dead function 'util::helper'
// NEG-NOT: dead function 'util::compute'
// NEG-NOT: dead function 'util::leaf'

// JSON:      "name": "util::leaf",
// JSON:      "status": "live",
// JSON-NEXT: "usr": "c:@N@util@F@leaf#I#",
// JSON-NEXT: "why": [
// JSON-NEXT:   "main",
// JSON-NEXT:   "util::helper",
// JSON-NEXT:   "util::leaf"

//--- lib.h
namespace util {
int compute(int);
inline int helper(int x) { int leaf(int); return leaf(x) + 1; }
inline int helper_unused(int x) { return x; }
}
//--- lib.cpp
#include "lib.h"
namespace util {
int leaf(int x) { return x * 2; }
int unused() { return 0; }
int compute(int x) { return helper(x); }
}
//--- main.cpp
#include "lib.h"
int main() { return util::compute(util::helper(1)); }
