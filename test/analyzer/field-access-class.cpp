// A class whose objects are never constructed in code but whose fields are
// read (a block struct laid over mapped bytes with reinterpret_cast) is
// live: reading a field means an object of the class exists. A struct only
// named in a cast is kept too, as a type use (#23): the cast does not
// compile without it. A struct nothing names is dead.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK: main.cpp:4: dead class 'Unnamed'
// NEG-NOT: 'Block'
// NEG-NOT: 'Outer'
// NEG-NOT: 'Unread'

//--- main.cpp
struct Block { unsigned short d; unsigned char qs[16]; };
struct Outer { struct { int x; } inner; };
struct Unread { int y; };
struct Unnamed { int z; };
static unsigned char bytes[64];
int main() {
  const Block *b = reinterpret_cast<const Block *>(bytes);
  const Outer *o = reinterpret_cast<const Outer *>(bytes);
  const Unread *u = reinterpret_cast<const Unread *>(bytes);
  (void)u;
  return b->d + b[1].qs[3] + o->inner.x;
}
