// An explicit specialization defined in another translation unit than its
// callers (llama.cpp's `common_json::get<float>`, defined in json.cpp, called
// from the server): the call sees only the primary template and folded into
// it, so the specialization was called dead. The program runs it.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp json.cpp
// RUN: %clangxx --driver-mode=g++ -std=c++20 %t/main.cpp %t/json.cpp -o %t/prog
// RUN: %exitcode %t/prog | FileCheck --check-prefix=RUNS %s
// RUN: %reach-audit scan -p %t --root %t --json %t/out.json > /dev/null
// RUN: %verdicts %t/out.json | FileCheck %s

// RUNS: exit: 42
// CHECK-DAG: live method Json::get @ json.cpp:2
// CHECK-DAG: dead method Json::get @ json.cpp:3
// CHECK-DAG: live function parse @ json.cpp:4
// CHECK-DAG: dead function parse @ json.cpp:5

//--- json.h
struct Json { template <class T> T get() const; };
template <class T> T parse(const char *);
//--- json.cpp
#include "json.h"
template <> float Json::get<float>() const { return 40.5f; }
template <> long Json::get<long>() const { return 0; }
template <> int parse<int>(const char *) { return 2; }
template <> long parse<long>(const char *) { return 3; }
//--- main.cpp
#include "json.h"
int main() { Json j; return int(j.get<float>()) + parse<int>("2"); }
