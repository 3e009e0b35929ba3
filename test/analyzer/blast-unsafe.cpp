// blast on a set that live code still uses: the live reference with its
// site and the path from the entry, test-only users listed apart, exit 1.
// The story: "can we delete this backend, or does a live path or a test
// still use its loaders?"
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp src/cuda/loader.cpp src/cpu/run.cpp test/train.cpp
// RUN: %exitcode %reach-audit blast -p %t --root %t --rules %t/reach.yaml cuda::load_weights cuda::load_optimizer cuda::unused_format > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: %exitcode %reach-audit blast -p %t --root %t --rules %t/reach.yaml cuda::load_weights --json > %t/out.json
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: blast radius of 3 definitions:
// CHECK: live code that still references the set (deleting it breaks the build):
// CHECK-NEXT:   src/cpu/run.cpp:4: live function 'cpu::run' (src/cpu/run.cpp:3) -> 'cuda::load_weights' (call)
// CHECK-NEXT:     live path: main -> cpu::run -> cuda::load_weights
// CHECK: test-only code that still references the set (update or delete these tests):
// CHECK-NEXT:   test/train.cpp:3: test-only function 'train' (test/train.cpp:2) -> 'cuda::load_optimizer' (call)
// CHECK: dead closure (can be deleted together with the set): 1 definition
// CHECK-NEXT:   src/cuda/loader.cpp:5: dead function 'cuda::parse_v1'
// CHECK: unsafe: live code still uses the set
// CHECK: exit: 1
// NEG-NOT: safe: no live

// A FILE argument stands for every definition in it.
// RUN: %exitcode %reach-audit blast -p %t --root %t --rules %t/reach.yaml src/cuda/loader.cpp | FileCheck --check-prefix=FILE %s
// FILE: blast radius of 4 definitions:
// FILE: src/cuda/loader.cpp:5: dead function 'cuda::parse_v1'
// FILE: dead closure (can be deleted together with the set): 0 definitions
// FILE: exit: 1

// JSON: "breaks_live": true
// JSON: exit: 1

//--- reach.yaml
entries:
  - function: main
tests:
  - path: test/**
//--- src/cuda/loader.h
namespace cuda {
int load_weights();
int load_optimizer();
}
//--- src/cuda/loader.cpp
#include "loader.h"
namespace cuda {
int load_weights() { return 1; }
int load_optimizer() { return 2; }
int parse_v1() { return 3; }
int unused_format() { return parse_v1(); }
}
//--- src/cpu/run.cpp
#include "../cuda/loader.h"
namespace cpu {
int run() {
  return cuda::load_weights();
}
}
//--- src/main.cpp
namespace cpu { int run(); }
int main() { return cpu::run(); }
//--- test/train.cpp
#include "../src/cuda/loader.h"
int train() {
  return cuda::load_optimizer();
}
