// A variable template named only inside a template, in a static_assert of a
// discarded `if constexpr` branch (llama.cpp's peg-parser.cpp): no
// instantiation ever reads it, but deleting it breaks the build, so it is
// not dead while the template using it lives.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live variable always_false_v @
// CHECK-DAG: dead variable unused_v @

//--- main.cpp
template <class> inline constexpr bool always_false_v = false;
template <class> inline constexpr bool unused_v = false;
template <class T> int visit(T v) {
  if constexpr (sizeof(T) == 4)
    return int(v);
  else
    static_assert(always_false_v<T>, "only 4-byte types");
}
int main() { return visit(42); }
