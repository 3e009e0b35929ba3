// Global variables are nodes: a use reaches what the initializer references,
// so a constant command table keeps exactly the commands it lists once the
// table is used; dynamic initializers are roots (static registration).
// RUN: rm -rf %t && split-file %s %t && %mkdb %t main.cpp registry.cpp
// RUN: %reach-audit scan -p %t --root %t > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt

// CHECK: dead code:
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead function 'cmd_unlisted'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead variable 'unused_table'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead function 'only_in_unused_table'
// CHECK-DAG: main.cpp:{{[0-9]+}}: dead variable 'unused_counter'
// NEG-NOT: 'cmd_run'
// NEG-NOT: 'cmd_list'
// NEG-NOT: dead variable 'commands'
// NEG-NOT: 'registered_at_startup'
// NEG-NOT: 'Registrar::
// NEG-NOT: dead variable 'registrar'
// NEG-NOT: dead function 'make_default'

//--- main.cpp
#include <cstring>
struct Command { const char *name; int (*fn)(); };
int cmd_run() { return 0; }
int cmd_list() { return 1; }
int cmd_unlisted() { return 2; }
int only_in_unused_table() { return 3; }
const Command commands[] = {{"run", cmd_run}, {"list", cmd_list}};
const Command unused_table[] = {{"x", only_in_unused_table}};
int unused_counter = 0;
int main(int argc, char **argv) {
  for (const Command &c : commands)
    if (argc > 1 && std::strcmp(argv[1], c.name) == 0)
      return c.fn();
  return 0;
}
//--- registry.cpp
int make_default() { return 42; }
int default_value = make_default();   // dynamic initialization: runs at start-up
void registered_at_startup() {}
struct Registrar { Registrar() { registered_at_startup(); } };
static Registrar registrar;
