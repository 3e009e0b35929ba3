// Each deletion kind: a dead class whole (with its out-of-line members), a
// dead template, a dead global, a dead method of a live class with its
// in-class declaration, a dead class's forward declaration. Kept, with a reason: a definition written by a macro,
// a variable declared together with a live one,
// a '= delete' copy constructor (never called, by design).
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp shapes.cpp
// RUN: %reach-audit fix -p %t --root %t > %t/diff.txt 2> %t/err.txt
// RUN: FileCheck %s < %t/diff.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/diff.txt
// RUN: FileCheck --check-prefix=ERR %s < %t/err.txt
// RUN: FileCheck --check-prefix=ERRNEG %s < %t/err.txt
// RUN: cd %t && patch -p1 < diff.txt && %clangxx -std=c++20 -fsyntax-only main.cpp && %clangxx -std=c++20 -fsyntax-only shapes.cpp

// CHECK-LABEL: --- a/main.cpp
// CHECK:      -template <class T> T dead_twice(T t) {
// CHECK-NEXT: -  return t + t;
// CHECK-NEXT: -}
// CHECK:      -int dead_global = 3;
// CHECK-LABEL: --- a/shapes.cpp
// CHECK:      -int Circle::dead_area() const { return 3 * r * r; }
// CHECK-NEXT: -{{$}}
// CHECK-NEXT: -struct Unused {
// CHECK-NEXT: -  int f() const;
// CHECK-NEXT: -};
// CHECK-NEXT: -int Unused::f() const { return 2; }
// CHECK-NEXT: --- a/shapes.h
// CHECK:      -struct Unused;
// CHECK:      -  int dead_area() const;
// NEG-NOT: -{{.*}}MAKE_GETTER
// NEG-NOT: -int a = 1, b = 2;
// NEG-NOT: -  virtual ~
// NEG-NOT: -  int area() const;
// NEG-NOT: -int Circle::area
// NEG-NOT: -{{.*}}= delete
// NEG-NOT: -{{.*}}= default
// ERR-DAG: kept function 'macro_made': written by macro MAKE_GETTER
// ERR-DAG: kept variable 'b': declared together with other variables
// A virtual of a live class that no call dispatches to goes (its override
// family is itself alone): fix-virtual-families.cpp.
// CHECK:      -  virtual int dead_virtual() const { return 0; }
// '= delete' members are not nodes and '= default'ed-on-first-declaration ones
// go with their class (extractor), so fix never considers them at all.
// ERRNEG-NOT: Circle::Circle
// ERRNEG-NOT: Circle::~Circle

//--- shapes.h
#pragma once
struct Unused;
struct Circle {
  int r = 1;
  int area() const;
  int dead_area() const;
  virtual int dead_virtual() const { return 0; }
  virtual ~Circle() = default;
  Circle() = default;
  Circle(const Circle &) = delete;
};
//--- shapes.cpp
#include "shapes.h"
int Circle::area() const { return 3 * r * r; }
int Circle::dead_area() const { return 3 * r * r; }

struct Unused {
  int f() const;
};
int Unused::f() const { return 2; }
//--- main.cpp
#include "shapes.h"
#define MAKE_GETTER(name) int name() { return 7; }
MAKE_GETTER(macro_made)

template <class T> T dead_twice(T t) {
  return t + t;
}

int dead_global = 3;
int a = 1, b = 2;

int main() { Circle c; return c.area() + a; }
