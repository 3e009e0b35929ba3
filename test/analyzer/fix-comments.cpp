// Comments and deletions: `//` lines right above a dead definition and a
// trailing `// comment` on its last line go with it; a /** */ doc comment
// goes with it (Clang attaches it); the comment block that opens the file is
// the file's header and stays, even right above a dead definition; a comment
// separated by a blank line stays.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 2> %t.err
// RUN: FileCheck --input-file=%t/main.cpp --match-full-lines --strict-whitespace %s
// RUN: %clangxx -std=c++20 -fsyntax-only %t/main.cpp

//      CHECK:// Copyright header of this file.
// CHECK-NEXT:// Licensed under something.
// CHECK-NEXT:int live() { return 1; }
// CHECK-EMPTY:
// CHECK-NEXT:// A section comment, separated by a blank line.
// CHECK-EMPTY:
// CHECK-NEXT:int main() { return live(); }
//  CHECK-NOT:{{.}}

//--- main.cpp
// Copyright header of this file.
// Licensed under something.
int dead_first() { return 0; }
int live() { return 1; }

// A section comment, separated by a blank line.

// Right above: goes.
int dead_a() {
  return 2;
} // end of dead_a

/** A doc comment: goes. */
int dead_b() { return 3; }

int main() { return live(); }
