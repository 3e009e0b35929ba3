// Byte ranges of template code: an out-of-line member of a class template
// (with its `template <class T>` line, its doc comment and its in-class
// declaration), a function template and its explicit specialization. The
// live member next to them is untouched, and the result compiles.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 2> %t.err
// RUN: FileCheck --input-file=%t/main.cpp --match-full-lines --strict-whitespace %s
// RUN: %clangxx -std=c++20 -fsyntax-only %t/main.cpp

//      CHECK:template <class T> struct Box {
// CHECK-NEXT:  T v;
// CHECK-NEXT:  T get() const;
// CHECK-NEXT:};
// CHECK-EMPTY:
// CHECK-NEXT:template <class T>
// CHECK-NEXT:T Box<T>::get() const { return v; }
// CHECK-EMPTY:
// CHECK-NEXT:int main() { Box<int> b{1}; return b.get(); }
//  CHECK-NOT:{{.}}

//--- main.cpp
template <class T> struct Box {
  T v;
  T get() const;
  T dead_get() const;
};

template <class T>
T Box<T>::get() const { return v; }

/// Doc of dead_get.
template <class T>
T Box<T>::dead_get() const { return v + v; }

template <class T> T twice(T t) { return t + t; }
template <> int twice<int>(int t) { return t * 2; }

int main() { Box<int> b{1}; return b.get(); }
