// A class whose objects are never constructed in code but whose fields are
// read (a block struct laid over mapped bytes with reinterpret_cast) is
// live: reading a field means an object of the class exists. A struct that
// is only named in a cast is not kept by that alone.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK: main.cpp:3: dead class 'Unread'
// NEG-NOT: 'Block'
// NEG-NOT: 'Outer'

//--- main.cpp
struct Block { unsigned short d; unsigned char qs[16]; };
struct Outer { struct { int x; } inner; };
struct Unread { int y; };
static unsigned char bytes[64];
int main() {
  const Block *b = reinterpret_cast<const Block *>(bytes);
  const Outer *o = reinterpret_cast<const Outer *>(bytes);
  const Unread *u = reinterpret_cast<const Unread *>(bytes);
  (void)u;
  return b->d + b[1].qs[3] + o->inner.x;
}
