// fix reaches its own fixpoint with virtual methods (#10): a dead virtual of
// a class that stays goes together with its whole override family (the
// pure declaration in the base included) when no reachable call dispatches
// to any of them. Before, they were kept and every rescan called them dead.
// A family that reachable code dispatches to stays. The edited program still
// builds and returns the same value, and the rescan finds nothing dead.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: cd %t && git init -q . && git add . && git -c user.name=t -c user.email=t@t commit -q -m init
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 > %t.out 2>&1
// RUN: FileCheck --check-prefix=GONE %s < %t/main.cpp
// RUN: FileCheck --check-prefix=KEPT %s < %t/main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t | FileCheck --check-prefix=RESCAN %s

// GONE-NOT: name
// GONE-NOT: dead_solo
// KEPT: virtual int area() const = 0;
// KEPT: int area() const override { return 4; }
// KEPT: int area() const override { return 3; }
// RUNS: exit: 7
// RESCAN: dead: 0

//--- main.cpp
struct Shape {
  virtual ~Shape() = default;
  virtual int area() const = 0;
  virtual const char *name() const = 0;
  virtual int dead_solo() const { return 0; }
};
struct Square : Shape {
  int area() const override { return 4; }
  const char *name() const override { return "square"; }
};
struct Circle : Shape {
  int area() const override { return 3; }
  const char *name() const override { return "circle"; }
};
int main() {
  Square s;
  Circle c;
  const Shape *all[] = {&s, &c};
  int total = 0;
  for (const Shape *p : all)
    total += p->area();
  return total;
}
