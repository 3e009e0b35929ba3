// One build, several programs: every tool and test binary defines its own
// `main` (and may define other functions with the same USR). The one-definition
// rule keeps them in separate programs, so each definition is its own node and
// a test program's main does not make its helpers live (nor the app's main
// make them test-only). The first TU in the database is the test program's,
// so linking "first definition wins" would make everything test-only.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t test/tool.cpp src/app.cpp src/other_app.cpp src/unused.cpp
// RUN: %reach-audit scan -p %t --root %t --rules %t/reach.yaml --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json

// CHECK: reach-audit: 4 translation units, 8 definitions
// CHECK-NEXT: live: 5  test-only: 2  dead: 1
// CHECK:      src/unused.cpp:1: dead function 'unused'
// CHECK:      test-only code (reached only from tests; --verbose lists each definition):
// CHECK-NEXT:   test/tool.cpp: 2 test-only definitions ('tool_helper', 'main')
// NEG-NOT: 'app_helper'
// NEG-NOT: 'shared_name'

// Each main keeps its own call; the ODR-duplicate `shared_name` is two nodes.
// JSON-DAG: "usr": "c:@F@main#@src/app.cpp"
// JSON-DAG: "usr": "c:@F@main#@src/other_app.cpp"
// JSON-DAG: "usr": "c:@F@main#@test/tool.cpp"
// JSON-DAG: "usr": "c:@F@shared_name#@src/app.cpp"
// JSON-DAG: "usr": "c:@F@shared_name#@src/other_app.cpp"

//--- reach.yaml
entries:
  - function: main
tests:
  - path: "test/**"
//--- test/tool.cpp
int tool_helper() { return 2; }
int main() { return tool_helper(); }
//--- src/app.cpp
int shared_name() { return 0; }
int app_helper() { return 1; }
int main() { return app_helper() + shared_name(); }
//--- src/other_app.cpp
int shared_name() { return 4; }
int main() { return shared_name(); }
//--- src/unused.cpp
int unused() { return 3; }
