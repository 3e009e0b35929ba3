// fix deletes whole declarations (#10): the linkage specification and every
// attribute in front of a dead definition go with it. Left behind, a bare
// `extern "C"` or `[[nodiscard]]` attached itself to the next function and
// silently changed its linkage or contract. The neighbours' meaning is
// checked after the edit: C++ linkage (nm), no nodiscard (-Werror), same
// alignment, the program still builds and runs.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp -- -fdeclspec
// RUN: cd %t && git init -q . && git add . && git -c user.name=t -c user.email=t@t commit -q -m init
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 > %t/fix.txt 2>&1
// RUN: FileCheck --check-prefix=GONE %s < %t/main.cpp
// RUN: FileCheck --check-prefix=KEPT %s < %t/main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 -fdeclspec -Werror=unused-result -c %t/main.cpp -o %t/main.o
// RUN: nm %t/main.o | FileCheck --check-prefix=NM %s
// RUN: %reach-audit scan -p %t --root %t | FileCheck --check-prefix=RESCAN %s

// GONE-NOT: extern "C"
// GONE-NOT: nodiscard
// GONE-NOT: __attribute__
// GONE-NOT: __declspec
// GONE-NOT: alignas(64)
// GONE-NOT: template <>
// GONE-NOT: friend
// GONE-NOT: old_
// KEPT: int helper()
// KEPT: int caller_result()
// KEPT: alignas(16) int live_buffer[4];
// KEPT: int Widget::size() const
// NM: T _Z13caller_resultv
// NM: T _Z6helperv
// RESCAN: dead: 0

//--- main.cpp
extern "C" int old_c_api(int x) { return x; }
int helper() { return 1; }

extern "C" {
int old_in_block(int x) { return x + 1; }
}

[[nodiscard]] int old_checked() { return 2; }
int caller_result() { return 3; }

__attribute__((noinline)) int old_gnu() { return 4; }
[[gnu::cold]] __attribute__((noinline)) [[maybe_unused]] int old_mixed() { return 5; }
__declspec(noinline) int old_ms() { return 6; }

alignas(64) int old_buffer[16];
alignas(16) int live_buffer[4];

template <class T> int tpl() { return 7; }
template <> int tpl<long>() { return 8; }

struct Widget {
  friend int old_friend(const Widget &);
  int size() const;
  int n = 9;
};
int old_friend(const Widget &w) { return w.n; }

void old_defaults(int a, int b = 2);
void old_defaults(int a = 1, int b);
void old_defaults(int a, int b) {}
int Widget::size() const { return n; }

int main() {
  caller_result();
  Widget w;
  return helper() + live_buffer[0] + w.size() + tpl<int>();
}
