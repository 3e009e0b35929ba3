// `= delete` has no code: it is not a node (never "dead", never removed).
// A special member defaulted on its first declaration has a compiler-written
// body: it is kept for its edges but goes with its class, like an implicit
// member. Defaulted out of line (`T::T() = default;`) is user-provided and
// reported like any definition.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: main.cpp:11: dead class 'OutOfLine'
// CHECK-DAG: main.cpp:12: dead constructor 'OutOfLine::OutOfLine'
// CHECK-DAG: main.cpp:14: dead function 'unused'
// NEG-NOT: NoCopy
// NEG-NOT: dead function 'takes'
// NEG-NOT: dead function 'member_init'

//--- main.cpp
int member_init() { return 1; }
struct NoCopy {
  NoCopy() = default;
  NoCopy(const NoCopy &) = delete;
  NoCopy &operator=(const NoCopy &) = delete;
  NoCopy(NoCopy &&) = default;
  ~NoCopy() = default;
  int get() const { return v; }
  int v = member_init();  // reached through the defaulted constructor
};
struct OutOfLine { OutOfLine(); int v = 0; };
OutOfLine::OutOfLine() = default;
void takes(int) = delete;
void unused() {}
void takes(long) {}
int main() { NoCopy n; takes(1L); return n.get(); }
