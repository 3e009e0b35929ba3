// `tests:` globs: every definition in a matching file is a test root; code
// reached only from there is test-only, and so is a file whose best
// definition is test-only. GoogleTest-style static registrars in test files
// are test roots, not production start-up code.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp src/train.cpp test/train_test.cpp
// RUN: %reach-audit scan -p %t --root %t --rules %t/reach.yaml --verbose --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// Without --verbose, test-only code is a line per file.
// RUN: %reach-audit scan -p %t --root %t --rules %t/reach.yaml > %t/short.txt
// RUN: FileCheck --check-prefix=SHORT %s < %t/short.txt
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: dead code:
// CHECK-NEXT: src/train.cpp
// CHECK-NEXT:   src/train.cpp:3: dead function 'train::never'
// CHECK: test-only code:
// CHECK-NEXT: src/train.cpp
// CHECK-NEXT:   src/train.cpp:1: test-only function 'train::loss'
// CHECK-NEXT:   src/train.cpp:2: test-only function 'train::step'
// CHECK: files:
// CHECK-NEXT: src/train.cpp: test-only file
// SHORT:      test-only code (reached only from tests; --verbose lists each definition):
// SHORT-NEXT:   src/train.cpp: 2 test-only definitions ('train::loss', 'train::step')
// SHORT-NEXT:   test/train_test.cpp: 4 test-only definitions ('TestCase', 'TestCase::TestCase', 'registrar', ...)
// SHORT-NOT:  test-only function
// NEG-NOT: dead{{.*}}'run'
// NEG-NOT: dead{{.*}}'TestCase

// JSON:      "path": "src/main.cpp",
// JSON-NEXT: "status": "live"
// JSON:      "path": "src/train.cpp",
// JSON-NEXT: "status": "test-only"
// JSON:      "path": "test/train_test.cpp",
// JSON-NEXT: "status": "test-only"
// The test binary's own main is a node of its own (test-only), not the app's.
// JSON:      "test-only": 6

//--- reach.yaml
entries:
  - function: main
tests:
  - path: test/**
//--- src/main.cpp
int run() { return 0; }
int main() { return run(); }
//--- src/train.cpp
namespace train { int loss(int x) { return x; }
int step(int x) { return loss(x); } }
namespace train { int never() { return 0; } }
//--- test/train_test.cpp
namespace train { int step(int); }
struct TestCase { TestCase() { train::step(1); } };
static TestCase registrar;
int main() { return 0; }
