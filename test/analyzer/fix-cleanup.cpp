// Touched ranges are cleaned up in the project's clang-format style: a
// namespace emptied by the deletions goes too (cleanupAroundReplacements),
// with no blank lines left behind; a namespace that keeps live code stays.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 2> %t.err
// RUN: FileCheck --input-file=%t/main.cpp --match-full-lines --strict-whitespace %s
// RUN: %clangxx -std=c++20 -fsyntax-only %t/main.cpp

//      CHECK:#include <cstdio>
// CHECK-EMPTY:
// CHECK-NEXT:namespace kept {
// CHECK-NEXT:int used() { return 1; }
// CHECK-NEXT:} // namespace kept
// CHECK-EMPTY:
// CHECK-NEXT:int main() { return kept::used(); }
//  CHECK-NOT:{{.}}

//--- .clang-format
BasedOnStyle: LLVM
//--- main.cpp
#include <cstdio>

namespace old {
int gone() { return 1; }
int also_gone() { return gone(); }
} // namespace old

namespace kept {
int used() { return 1; }
int unused() { return 2; }
} // namespace kept

int main() { return kept::used(); }
