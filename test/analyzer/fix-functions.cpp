// fix prints the deletions as a unified diff and changes nothing: a dead
// function definition goes with its comment and its header declaration; a
// declaration of live code in the same header stays.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: cd %t && sha256sum main.cpp util.h > %t/before.sha
// RUN: %reach-audit fix -p %t --root %t > %t/diff.txt 2> %t/err.txt
// RUN: FileCheck %s < %t/diff.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/diff.txt
// RUN: FileCheck --check-prefix=ERR %s < %t/err.txt
// Nothing was written:
// RUN: cd %t && sha256sum -c before.sha
// The diff applies and the result still compiles:
// RUN: cd %t && patch -p1 < diff.txt && %clangxx -std=c++20 -fsyntax-only main.cpp
// RUN: %reach-audit scan -p %t --root %t | FileCheck --check-prefix=RESCAN %s

// CHECK:      --- a/main.cpp
// CHECK-NEXT: +++ b/main.cpp
// CHECK:      -// Explains dead_helper.
// CHECK-NEXT: -// A second line of the same comment.
// CHECK-NEXT: -int dead_helper(int x) { return x * 2; }
// CHECK-NEXT: -
// CHECK:      --- a/util.h
// CHECK-NEXT: +++ b/util.h
// CHECK:      -/// Doc comment of dead_helper's declaration.
// CHECK-NEXT: -int dead_helper(int x);
// NEG-NOT: -int used
// NEG-NOT: -int main
// NEG-NOT: -// Unrelated comment
// NEG-NOT: -#include
// ERR: reach-audit fix: 2 file(s) edited, 0 file(s) removed, 1 definition(s) deleted, in 1 round(s) (not applied)
// RESCAN: live: 2  test-only: 0  dead: 0

//--- util.h
#pragma once
int used();
/// Doc comment of dead_helper's declaration.
int dead_helper(int x);
//--- main.cpp
#include "util.h"

// Unrelated comment, separated by a blank line.

int used() { return 1; }

// Explains dead_helper.
// A second line of the same comment.
int dead_helper(int x) { return x * 2; }

int main() { return used(); }
