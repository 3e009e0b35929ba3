// blast on a set nothing live uses: exit 0 and the dead closure that goes
// with it -- its helpers and the class it alone constructs, with that
// class's members -- but not code that something outside the set still
// needs (a helper shared with live code, a helper other dead code calls).
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp gpu.cpp
// RUN: %exitcode %reach-audit blast -p %t --root %t make_gpu > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: %reach-audit blast -p %t --root %t make_gpu --svg %t/blast.svg --dot %t/blast.dot
// RUN: FileCheck --check-prefix=DOT %s < %t/blast.dot
// RUN: FileCheck --check-prefix=SVG %s < %t/blast.svg

// CHECK: blast radius of 1 definition:
// CHECK-NEXT:   gpu.cpp:{{[0-9]+}}: dead function 'make_gpu'
// CHECK: dead closure (can be deleted together with the set): 5 definitions
// CHECK-DAG: dead function 'gpu_only'
// CHECK-DAG: dead class 'Gpu'
// CHECK-DAG: dead constructor 'Gpu::Gpu'
// CHECK-DAG: dead method 'Gpu::run'
// CHECK-DAG: dead function 'gpu_private'
// CHECK: safe: no live or test code uses the set
// CHECK-NEXT: exit: 0
// NEG-NOT: 'shared'
// NEG-NOT: 'also_used_by_dead'
// NEG-NOT: live code that still references

// DOT: digraph blast {
// DOT: subgraph "cluster_deletion set" {
// DOT: "c:@F@make_gpu#"
// DOT: peripheries=2
// DOT: subgraph "cluster_dead closure" {

// SVG: <title>c:@F@make_gpu#</title>
// SVG-NEXT: <g id="a_node{{[0-9]+}}"><a xlink:title="dead function">
// SVG-NEXT: <polygon fill="#ef8a7a"

//--- base.h
struct Backend { virtual ~Backend() = default; virtual int run() = 0; };
Backend *make_cpu();
int shared();
//--- gpu.cpp
#include "base.h"
int shared() { return 7; }
static int gpu_private() { return 5; }
int gpu_only() { return shared() + gpu_private(); }
int also_used_by_dead() { return 1; }
int other_dead() { return also_used_by_dead(); }
struct Gpu : Backend {
  Gpu() {}
  int run() override { return gpu_only(); }
};
Backend *make_gpu() { return new Gpu; }
int x_make() { return also_used_by_dead(); }
//--- main.cpp
#include "base.h"
struct Cpu : Backend { int run() override { return shared(); } };
Backend *make_cpu() { return new Cpu; }
int main() { Backend *b = make_cpu(); return b->run(); }
