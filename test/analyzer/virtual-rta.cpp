// Rapid Type Analysis: a virtual call reaches only overrides in classes
// instantiated in reachable code; a never-constructed subclass's overrides
// stay dead, and a virtual no reachable call can reach is dead though it
// sits in a vtable. Classes instantiated later in the fixpoint count.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp backends.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead method 'GpuBackend::run'
// CHECK-DAG: dead method 'GpuBackend::name'
// CHECK-DAG: dead constructor 'GpuBackend::GpuBackend'
// CHECK-DAG: dead function 'gpu_kernel'
// CHECK-DAG: dead method 'CpuBackend::name'
// CHECK-DAG: dead method 'Backend::name'
// CHECK-DAG: dead function 'make_gpu'
// NEG-NOT: 'CpuBackend::run'
// NEG-NOT: dead function 'cpu_kernel'
// NEG-NOT: 'Late::run'
// NEG-NOT: dead function 'late_kernel'

//--- backend.h
struct Backend {
  virtual ~Backend() = default;
  virtual int run() = 0;
  virtual const char *name() { return "backend"; }
};
Backend *make_cpu();
Backend *make_gpu();
Backend *make_late();
//--- backends.cpp
#include "backend.h"
int cpu_kernel() { return 1; }
int gpu_kernel() { return 2; }
int late_kernel() { return 3; }
struct CpuBackend : Backend {
  int run() override { return cpu_kernel() + make_late()->run(); }
  const char *name() override { return "cpu"; }
};
struct GpuBackend : Backend {
  GpuBackend() {}
  int run() override { return gpu_kernel(); }
  const char *name() override { return "gpu"; }
};
// Only instantiated by CpuBackend::run, which is itself reached only through
// the virtual call: needs a second round of the fixpoint.
struct Late : Backend { int run() override { return late_kernel(); } };
Backend *make_cpu() { return new CpuBackend; }
Backend *make_gpu() { return new GpuBackend; }
Backend *make_late() { return new Late; }
//--- main.cpp
#include "backend.h"
int main() {
  Backend *b = make_cpu();
  int r = b->run();
  delete b;
  return r;
}
