// Functors and callbacks that library template instantiations call: the
// libstdc++ containers, smart pointers, std::visit, std::thread and
// std::function must reach the project's operator() (a call made in a local
// variable's initializer inside a library body, `auto __code =
// _M_hash_code(__k);`, a library specialization's destructor, a library
// override of a library virtual, a static data member's initializer, a
// hidden friend). NeverUsed stays dead.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t src/main.cpp src/lib.cpp -- -std=c++20 -isystem %t/lib -pthread
// RUN: %reach-audit scan -p %t --root %t/src > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: dead class 'NeverUsed'
// CHECK-DAG: dead operator 'NeverUsed::operator()'
// NEG-NOT: TextHash
// NEG-NOT: PlainHash
// NEG-NOT: ByLen
// NEG-NOT: Later
// NEG-NOT: FileCloser
// NEG-NOT: Freer
// NEG-NOT: Printer
// NEG-NOT: Job
// NEG-NOT: Task
// NEG-NOT: 'S::same'
// NEG-NOT: 'H::hook'
// NEG-NOT: 'P::pick'

//--- lib/lib.h
namespace lib {
template <class T> struct Box {
  T t;
  friend bool operator==(const Box &a, const Box &b) { return a.t.same(b.t); }
};
template <class T> struct Table {
  static int call(int x) { return T::hook(x); }
  static constexpr int (*fns[1])(int) = {&call};
};
template <class T> int run(int x) { return Table<T>::fns[0](x); }
template <class T> struct Holder {
  template <class U> static int get(U u) { int v = T::pick(u); return v; }
};
}
//--- src/lib.cpp
#include <lib.h>
struct S { bool same(const S &) const { return true; } };
struct H { static int hook(int x) { return x; } };
struct P { static int pick(int x) { return x; } };
int use_lib() {
  lib::Box<S> a{}, b{};
  return (a == b) + lib::run<H>(1) + lib::Holder<P>::get(2);
}
//--- src/main.cpp
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return s.size(); }
};
struct PlainHash { size_t operator()(const std::string &s) const { return s.size(); } };
struct ByLen { bool operator()(const std::string &a, const std::string &b) const { return a.size() < b.size(); } };
struct Later { bool operator()(int a, int b) const { return a > b; } };
struct FileCloser { void operator()(FILE *f) const { std::fclose(f); } };
struct Freer { void operator()(int *p) const { delete p; } };
struct Printer {
  int operator()(int) const { return 1; }
  int operator()(const std::string &) const { return 2; }
};
struct Job { void operator()() const {} };
struct Task { int operator()(int x) const { return x; } };
struct NeverUsed { void operator()() const {} };
int use_lib();
int main() {
  std::unordered_map<std::string, int, TextHash, std::equal_to<>> m;
  m.emplace("a", 1);
  int n = m.find(std::string_view("a")) != m.end();
  std::unordered_set<std::string, PlainHash> s;
  s.insert("a");
  std::map<std::string, int, ByLen> o;
  o["x"] = 1;
  std::priority_queue<int, std::vector<int>, Later> q;
  q.push(1);
  std::unique_ptr<FILE, FileCloser> f(std::fopen("/dev/null", "r"));
  std::shared_ptr<int> p(new int(3), Freer{});
  std::variant<int, std::string> v = 3;
  n += std::visit(Printer{}, v);
  std::thread t(Job{});
  t.join();
  std::function<int(int)> fn = Task{};
  return n + fn(1) + use_lib();
}
