// An override of a virtual declared outside the root (a library base class)
// is live once its class is instantiated: library code may call it.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp -- -isystem %t/lib
// RUN: %reach-audit scan -p %t --root %t/src > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead method 'UnusedHandler::handle'
// CHECK-DAG: dead function 'unused_work'
// CHECK-DAG: dead method 'CountingBuf::not_an_override'
// NEG-NOT: 'CountingBuf::overflow'
// NEG-NOT: 'MyHandler::handle'
// NEG-NOT: dead function 'handler_work'

//--- lib/framework.h
struct Handler { virtual ~Handler() {} virtual void handle() = 0; };
void framework_run(Handler &h);   // calls h.handle(), in the library
//--- src/main.cpp
#include <framework.h>
#include <streambuf>
#include <ostream>
void handler_work() {}
void unused_work() {}
struct MyHandler : Handler { void handle() override { handler_work(); } };
struct UnusedHandler : Handler { void handle() override { unused_work(); } };
struct CountingBuf : std::streambuf {
  int n = 0;
  int_type overflow(int_type c) override { ++n; return c; }
  void not_an_override() {}
};
int main() {
  MyHandler h;
  framework_run(h);
  CountingBuf buf;
  std::ostream os(&buf);
  os << "hello";
  return buf.n;
}
