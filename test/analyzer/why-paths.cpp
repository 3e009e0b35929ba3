// why: the shortest path from a production root, preferring direct calls
// (two equally short paths to 'helper': a call and an address-taken one),
// each step with edge kind and call site; a virtual step says RTA; a
// registered-by root names its registration; test-only code shows the path
// from its test root.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp src/lib.cpp test/lib_test.cpp
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml helper | FileCheck --check-prefix=HELPER %s
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml Impl::work | FileCheck --check-prefix=VIRT %s
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml on_ping | FileCheck --check-prefix=REG %s
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml only_tests | FileCheck --check-prefix=TEST %s
// --json: the same path as data, compared whole with a golden file.
// RUN: %reach-audit why -p %t --root %t --rules %t/reach.yaml Impl::work --json > %t/why.json
// RUN: diff -u %inputs/golden-why.json %t/why.json

// HELPER: function 'helper' (src/lib.cpp:2) is live
// HELPER-NEXT: path from production entry 'main' (function), 3 steps:
// HELPER-NEXT:   1. main (src/main.cpp:{{[0-9]+}})  [entry: function]
// HELPER-NEXT:   2. direct (src/lib.cpp:3)  [call at src/main.cpp:8]
// HELPER-NEXT:   3. helper (src/lib.cpp:2)  [call at src/lib.cpp:3]
// HELPER-NOT: address-taken

// VIRT: method 'Impl::work' (src/lib.cpp:{{[0-9]+}}) is live
// VIRT: 1. main
// VIRT: Impl::work (src/lib.cpp:{{[0-9]+}})  [virtual-call via RTA at src/main.cpp:10]

// REG: function 'on_ping' (src/lib.cpp:{{[0-9]+}}) is live
// REG-NEXT: path from production entry 'on_ping' (registered-by; its address is passed to register_handler at src/main.cpp:7), 1 step:

// TEST: function 'only_tests' (src/lib.cpp:{{[0-9]+}}) is test-only
// TEST-NEXT: path from test root 'test_it' (test-file), 2 steps:
// TEST-NEXT:   1. test_it (test/lib_test.cpp:2)  [entry: test-file]
// TEST-NEXT:   2. only_tests (src/lib.cpp:{{[0-9]+}})  [call at test/lib_test.cpp:2]

//--- reach.yaml
entries:
  - function: main
  - registered-by: register_handler
tests:
  - path: test/**
//--- src/lib.h
struct Base { virtual ~Base() = default; virtual int work() = 0; };
int helper();
int direct();
int via_pointer();
int on_ping();
int only_tests();
Base *make();
void register_handler(int (*)());
//--- src/lib.cpp
#include "lib.h"
int helper() { return 1; }
int direct() { return helper(); }
int via_pointer() { int (*f)() = helper; return f(); }
int on_ping() { return 0; }
int only_tests() { return 2; }
struct Impl : Base { int work() override { return 3; } };
Base *make() { return new Impl; }
void register_handler(int (*)()) {}
//--- src/main.cpp
#include "lib.h"
// Filler so that line numbers
// below are the ones the
// checks name.
//
int main() {
  register_handler(on_ping);
  int r = via_pointer() + direct();
  Base *b = make();
  r += b->work();
  return r;
}
//--- test/lib_test.cpp
#include "../src/lib.h"
int test_it() { return only_tests(); }
