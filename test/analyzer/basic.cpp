// The simplest program: main calls f; g is never called.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: reach-audit: 1 translation units, 3 definitions
// CHECK-NEXT: live: 2  test-only: 0  dead: 1  orphaned files: 0
// CHECK: dead code:
// CHECK-NEXT: main.cpp
// CHECK-NEXT: main.cpp:2: dead function 'g'
// NEG-NOT: 'f'
// NEG-NOT: 'main'

// JSON: "entries": [
// JSON-NEXT:   {
// JSON-NEXT:     "name": "main",
// JSON-NEXT:     "rule": "function"
// JSON-DAG: "name": "f",{{[[:space:]]+}}"range"
// JSON-DAG: "status": "dead",{{[[:space:]]+}}"usr": "c:@F@g#"
// JSON-DAG: "why": [{{[[:space:]]+}}"main",{{[[:space:]]+}}"f"{{[[:space:]]+}}]

//--- main.cpp
int f() { return 1; }
int g() { return 2; }
int main() { return f(); }
