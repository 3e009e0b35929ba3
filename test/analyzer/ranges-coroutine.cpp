// A coroutine's range is whole too (#23): from its return type to the
// closing brace of its body, so `fix` deletes it and the file still
// compiles. `unused_coro` is dead; the task type is live through `live_coro`.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp -- -std=c++20
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %ranges %t/out.json | FileCheck %s
// RUN: cd %t && git init -q . && git add . && git -c user.name=t -c user.email=t@t commit -q -m init
// RUN: %reach-audit fix -p %t --root %t --apply --max-share=100 > %t/fix.txt 2>&1
// RUN: FileCheck --check-prefix=FIXED %s < %t/main.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s

// CHECK: dead unused_coro 14:1-17:2
// CHECK: live live_coro 18:1-20:2

// FIXED-NOT: unused_coro
// FIXED: Task live_coro(int x) {
// RUNS: exit: 7

//--- main.cpp
#include <coroutine>
struct Task {
  struct promise_type {
    int value = 0;
    Task get_return_object() { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_value(int v) { value = v; }
    void unhandled_exception() {}
  };
  std::coroutine_handle<promise_type> h;
  int get() const { return h.promise().value; }
};
Task unused_coro(int x) {
  co_await std::suspend_never{};
  co_return x + 1;
}
Task live_coro(int x) {
  co_return x * 7;
}
int main() {
  Task t = live_coro(1);
  int v = t.get();
  t.h.destroy();
  return v;
}
