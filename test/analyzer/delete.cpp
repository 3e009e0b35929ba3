// `delete p` reaches the destructor (and a class-specific operator delete)
// even when the object was made by code outside the project.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp -- -isystem %t/vendor
// RUN: %reach-audit scan -p %t --root %t/src > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead destructor 'Kept::~Kept'
// CHECK-DAG: dead function 'kept_cleanup'
// NEG-NOT: 'Widget::~Widget'
// NEG-NOT: 'Widget::operator delete'
// NEG-NOT: dead function 'cleanup'

//--- vendor/vendor.h
struct Widget;
struct Kept;
Widget *vendor_make();  // defined in a library: the project never constructs these
Kept *vendor_kept();
//--- src/widget.h
#include <cstddef>
void cleanup();
void kept_cleanup();
struct Widget {
  ~Widget() { cleanup(); }
  static void operator delete(void *p, std::size_t) { ::operator delete(p); }
};
struct Kept { ~Kept() { kept_cleanup(); } };
//--- src/main.cpp
#include <vendor.h>
#include "widget.h"
void cleanup() {}
void kept_cleanup() {}
int main() {
  Widget *w = vendor_make();
  delete w;
  Kept *k = vendor_kept();
  return k != nullptr;
}
