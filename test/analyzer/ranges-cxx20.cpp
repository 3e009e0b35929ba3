// Every definition has a valid, whole range (#23): abbreviated function
// templates and generic lambdas have an implicit template parameter list
// with no location, and the range began at line 0, so `fix` skipped them.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %ranges %t/out.json | FileCheck %s
// RUN: cd %t && git init -q . && git add . && git -c user.name=t -c user.email=t@t commit -q -m init
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 > %t/fix.txt 2>&1
// RUN: FileCheck --check-prefix=FIXED %s < %t/main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 -fsyntax-only %t/main.cpp

// CHECK: dead unused_abbrev 1:1-1:49
// CHECK-NEXT: dead unused_plain 2:1-2:47
// CHECK-NEXT: dead constrained 3:1-4:44
// CHECK-NEXT: dead unused_generic 5:1-5:77
// CHECK-NEXT: dead unused_generic::(lambda at main.cpp:5) 5:33-5:61
// CHECK-NEXT: dead primary 6:1-6:48
// CHECK-NEXT: dead primary 7:1-7:50
// CHECK-NEXT: dead cexpr 8:1-8:45
// CHECK-NEXT: dead ceval 9:1-9:45
// CHECK-NEXT: dead Box 10:1-13:2
// CHECK-NEXT: dead Box::get 14:1-14:55
// CHECK-NEXT: live main 15:1-15:14

// FIXED-NOT: unused
// FIXED-NOT: constrained
// FIXED-NOT: primary
// FIXED-NOT: cexpr
// FIXED-NOT: ceval
// FIXED-NOT: Box
// FIXED: int main() {}

//--- main.cpp
int unused_abbrev(auto x) { return int(x) + 1; }
int unused_plain(int x) { return int(x) + 2; }
template <class T> requires (sizeof(T) > 1)
int constrained(T t) { return int(t) * 3; }
int unused_generic() { auto f = [](auto v) { return v + 1; }; return f(1); }
template <class T> int primary(T) { return 1; }
template <> int primary<char>(char) { return 2; }
constexpr int cexpr(int x) { return x * 2; }
consteval int ceval(int x) { return x * 3; }
template <class T> struct Box {
  T v;
  T get() const;
};
template <class T> T Box<T>::get() const { return v; }
int main() {}
