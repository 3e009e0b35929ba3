// Implicit calls: overloaded operators, conversion functions, and implicitly
// defined special members that call user-written members' ones.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead operator 'Vec::operator-'
// CHECK-DAG: dead conversion 'Vec::operator double'
// CHECK-DAG: dead constructor 'Part::Part'
// NEG-NOT: 'Vec::operator+'
// NEG-NOT: 'Vec::operator bool'
// NEG-NOT: 'operator=='
// NEG-NOT: 'Part::operator='
// NEG-NOT: dead function 'copied'

//--- main.cpp
void copied() {}
struct Part {
  Part() {}
  Part(const Part &) { copied(); }      // called by Whole's implicit copy
  Part(Part &&) {}                        // never: Whole is never moved
  Part &operator=(const Part &) { return *this; }
};
struct Whole { Part p; };
struct Vec {
  int x = 0;
  Vec operator+(const Vec &o) const { return {x + o.x}; }
  Vec operator-(const Vec &o) const { return {x - o.x}; }
  explicit operator bool() const { return x != 0; }
  operator double() const { return x; }
};
bool operator==(const Vec &a, const Vec &b) { return a.x == b.x; }
int main() {
  Whole a;
  Whole b = a;          // implicit copy constructor -> Part(const Part &)
  b = a;                // implicit copy assignment -> Part::operator=
  Vec v, w;
  Vec s = v + w;
  if (s == v) return 1;
  return s ? 0 : 2;
}
