// Constructions make a class instantiated and pull in its destructor;
// construction through a library template (std::make_unique) counts.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead constructor 'Never::Never'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead destructor 'Never::~Never'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead class 'Never'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead function 'dtor_of_never'
// NEG-NOT: 'Temp::
// NEG-NOT: 'Heap::
// NEG-NOT: 'Made::
// NEG-NOT: 'Local::
// NEG-NOT: dead function 'dtor_helper'
// NEG-NOT: dead function 'made_helper'

//--- main.cpp
#include <memory>
void dtor_helper() {}
void dtor_of_never() {}
void made_helper() {}
struct Local { Local() {} ~Local() { dtor_helper(); } };
struct Temp { Temp(int) {} ~Temp() {} int get() const { return 1; } };
struct Heap { Heap() {} ~Heap() {} };
struct Made { Made(int) { made_helper(); } ~Made() {} };
struct Never { Never() {} ~Never() { dtor_of_never(); } };
int main() {
  Local l;
  Heap *h = new Heap;
  delete h;
  auto m = std::make_unique<Made>(3);
  return Temp(2).get();
}
