// Two programs of one build each define their own `struct printer` (one USR,
// two definitions; the one-definition rule holds per program). A virtual
// call in one of them still reaches its implementations: before, the
// dispatch looked the method's USR up among single definitions only, found
// none, and called `printer::print_footer` dead (#11, seen on llama.cpp's
// llama-bench and test-backend-ops). The dispatch reaches the method's
// every place (other.cpp's print_footer is live too): conservative, never a
// false "dead".
// RUN: rm -rf %t && split-file %s %t && %mkdb %t bench.cpp other.cpp
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > %t/out.txt
// RUN: %verdicts %t/out.json | FileCheck %s

// CHECK-DAG: live method printer::print_footer @ bench.cpp:
// CHECK-DAG: live method json_printer::print_footer @ bench.cpp:
// CHECK-DAG: live method text_printer::print @ other.cpp:
// CHECK-DAG: dead function unused @ other.cpp:

//--- bench.cpp
#include <memory>
struct printer {
  virtual ~printer() {}
  virtual int print_footer() { return 0; }
};
struct csv_printer : printer {};
struct json_printer : printer {
  int print_footer() override { return 1; }
};
static std::unique_ptr<printer> create(int f) {
  if (f == 0) return std::unique_ptr<printer>(new csv_printer());
  return std::unique_ptr<printer>(new json_printer());
}
int main(int argc, char**) {
  std::unique_ptr<printer> p = create(argc);
  return p->print_footer();
}
//--- other.cpp
#include <memory>
struct printer {
  virtual ~printer() {}
  virtual int print(int x) { return x; }
  virtual int print_footer() { return 2; }
};
struct text_printer : printer {
  int print(int x) override { return x + 1; }
};
int unused() { return 3; }
int main() {
  std::unique_ptr<printer> p(new text_printer());
  return p->print(0);
}
