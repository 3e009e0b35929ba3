// A header's static inline functions, compiled by a C TU and a C++ TU, have
// two USRs (C: no parameter types; C++: with them) at one definition site.
// They are one definition: a call from C makes it live for both, and a dead
// one is reported (and deleted by fix) once. Before, `twice` was "dead"
// (its C++ name had no caller) and fix deleted the text C needed (#11, seen
// on llama.cpp's ggml-cpu/vec.h).
// RUN: rm -rf %t && split-file %s %t && %mkdb %t --cc clang a.c b.cpp
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sorted((s['name'], s['status']) for s in d['symbols'] if s['name'] in ('twice', 'unused_helper')))" %t/out.json | FileCheck --check-prefix=JSON %s

// CHECK: h.h:2: dead function 'unused_helper'
// CHECK-NOT: unused_helper
// CHECK-NOT: 'twice'
// JSON: [('twice', 'live'), ('unused_helper', 'dead')]

//--- h.h
static inline int twice(int x) { return 2 * x; }
static inline int unused_helper(int x) { return x + 1; }
//--- a.c
#include "h.h"
int from_cpp(int);
int main(void) { return twice(1) + from_cpp(2) == 6 ? 0 : 1; }
//--- b.cpp
#include "h.h"
extern "C" int from_cpp(int x) { return x; }
