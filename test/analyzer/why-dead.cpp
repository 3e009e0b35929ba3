// why on dead code: says it is dead and names the nearest live code that
// mentions it (here a virtual call whose class is never instantiated),
// through dead code in between; a class is explained through its members;
// ambiguous names list USR candidates (exit 2); unknown names exit 2 with
// similar names; --json gives the same answer as data.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp a.cpp b.cpp
// RUN: %reach-audit why -p %t --root %t Gpu::run | FileCheck --check-prefix=VIRT %s
// RUN: %reach-audit why -p %t --root %t gpu_kernel | FileCheck --check-prefix=CHAIN %s
// RUN: %reach-audit why -p %t --root %t Gpu | FileCheck --check-prefix=CLASS %s
// RUN: %reach-audit why -p %t --root %t lonely | FileCheck --check-prefix=LONELY %s
// RUN: %exitcode %reach-audit why -p %t --root %t twin | FileCheck --check-prefix=AMBIG %s
// RUN: %exitcode %reach-audit why -p %t --root %t kernel | FileCheck --check-prefix=MISS %s
// RUN: %reach-audit why -p %t --root %t gpu_kernel --json > %t/why.json
// RUN: python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['status'], [s['name'] for s in j['mentions'][0]], [s['edge'] for s in j['mentions'][0]])" %t/why.json | FileCheck --check-prefix=JSON %s

// RUN: %reach-audit why -p %t --root %t gpu_kernel --svg %t/why.svg --dot %t/why.dot > /dev/null
// RUN: python3 %inputs/svg_fills.py %t/why.svg | FileCheck --check-prefix=FILL %s
// RUN: FileCheck --check-prefix=DOT %s < %t/why.dot
// FILL:      c:@F@gpu_kernel# #ef8a7a
// FILL-NEXT: c:@F@main# #8fd18f
// FILL-NEXT: c:@S@Gpu@F@run# #ef8a7a
// DOT: "c:@F@main#" -> "c:@S@Gpu@F@run#"
// DOT-SAME: label="virtual-call via RTA
// DOT-NEXT: main.cpp:5",
// DOT-NEXT: style=dashed];
// DOT: "c:@S@Gpu@F@run#" -> "c:@F@gpu_kernel#"

// VIRT: method 'Gpu::run' (a.cpp:4) is dead
// VIRT-NEXT: no production entry point and no test reaches it
// VIRT-NEXT: nearest live code that mentions it: 'main' (main.cpp:3)
// VIRT-NEXT:   1. main (main.cpp:3)  [live]
// VIRT-NEXT:   2. Gpu::run (a.cpp:4)  [virtual-call via RTA at main.cpp:5]
// VIRT-NEXT: note: class Gpu is never instantiated in reachable code

// CHAIN: function 'gpu_kernel' (a.cpp:2) is dead
// CHAIN: nearest live code that mentions it: 'main' (main.cpp:3)
// CHAIN-NEXT:   1. main (main.cpp:3)  [live]
// CHAIN-NEXT:   2. Gpu::run (a.cpp:4)  [virtual-call via RTA at main.cpp:5]
// CHAIN-NEXT:   3. gpu_kernel (a.cpp:2)  [call at a.cpp:4]

// CLASS: class 'Gpu' (a.cpp:3) is dead
// CLASS: nearest live code that mentions it: 'main'

// LONELY: function 'lonely' (a.cpp:{{[0-9]+}}) is dead
// LONELY-NEXT: no production entry point and no test reaches it
// LONELY-NEXT: no live or test code mentions it

// AMBIG: error: 'twin' is ambiguous; pass one of these to 'why' (a name with its parameter types, or a USR):
// AMBIG-DAG: c:a.cpp@F@twin# {{.*}}(a.cpp:
// AMBIG-DAG: c:b.cpp@F@twin# {{.*}}(b.cpp:
// AMBIG: exit: 2

// MISS: error: no definition named 'kernel' under the root
// MISS: function 'gpu_kernel' (a.cpp:2)
// MISS: exit: 2

// JSON: dead ['main', 'Gpu::run', 'gpu_kernel'] [None, 'virtual-call', 'call']

//--- base.h
struct Backend { virtual ~Backend() = default; virtual int run() { return 0; } };
Backend *make();
//--- a.cpp
#include "base.h"
int gpu_kernel() { return 1; }
struct Gpu : Backend {
  int run() override { return gpu_kernel(); }
};
static int twin() { return 1; }
int lonely() { return twin(); }
Backend *make() { return new Backend; }
//--- b.cpp
static int twin() { return 2; }
int use_twin() { return twin(); }
//--- main.cpp
#include "base.h"
// line 2
int main() {
  Backend *b = make();
  int r = b->run();
  delete b;
  return r;
}
