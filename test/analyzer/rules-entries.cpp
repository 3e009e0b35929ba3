// The four entry forms (function, match, annotation, registered-by) and
// keep with a reason. Without a rule, each of these would be dead.
// RUN: rm -rf %t && split-file %s %t && %mkdb %t plugin.cpp
// RUN: %reach-audit scan -p %t --root %t --rules %t/reach.yaml --json %t/out.json > %t/out.txt
// RUN: FileCheck %s < %t/out.txt
// RUN: FileCheck --check-prefix=NEG %s < %t/out.txt
// RUN: FileCheck --check-prefix=JSON %s < %t/out.json
// With `main` as the only entry (there is none here) the rule matches
// nothing: an error, exit 2. Allowed, all of it is dead:
// RUN: printf 'entries:\n  - function: main\n' > %t/main-only.yaml
// RUN: %exitcode %reach-audit scan -p %t --root %t --rules %t/main-only.yaml | FileCheck --check-prefix=UNMATCHED %s
// RUN: %reach-audit scan -p %t --root %t --rules %t/main-only.yaml --allow-unmatched 2>&1 | FileCheck --check-prefix=NORULES %s

// CHECK: dead code:
// CHECK-DAG: dead function 'cli::not_a_cmd'
// CHECK-DAG: dead function 'ipc::unregistered'
// CHECK-DAG: dead function 'plugin_abi_v2'
// CHECK-DAG: dead function 'ipc::setup'
// NEG-NOT: 'exported'
// NEG-NOT: 'cli::cmd_build'
// NEG-NOT: 'cli::cmd_test'
// NEG-NOT: 'ipc::on_ping'
// NEG-NOT: 'ipc::on_lambda'
// NEG-NOT: dead function 'plugin_abi_v1'
// NEG-NOT: dead lambda
// NEG-NOT: 'helper_of_kept'

// JSON-DAG: {{"name": "exported",[[:space:]]+"rule": "function"}}
// JSON-DAG: {{"name": "cli::cmd_build",[[:space:]]+"rule": "match"}}
// JSON-DAG: {{"name": "annotated",[[:space:]]+"rule": "annotation"}}
// JSON-DAG: {{"name": "ipc::on_ping",[[:space:]]+"rule": "registered-by"}}
// JSON-DAG: {{"name": "plugin_abi_v1",[[:space:]]+"rule": "keep"}}

// UNMATCHED: main-only.yaml:2:15: error: entry 'main' matches no definition
// UNMATCHED: 1 rule(s) match nothing; correct them, or pass --allow-unmatched
// UNMATCHED-NOT: dead function
// UNMATCHED: exit: 2

// NORULES: main-only.yaml:2:15: warning: entry 'main' matches no definition
// NORULES: dead function 'exported'
// NORULES: dead function 'cli::cmd_build'

//--- reach.yaml
entries:
  - function: exported
  - match: "cli::cmd_.*"
  - annotation: reach::entry
  - registered-by: ipc::register_handler
keep:
  - symbol: plugin_abi_v1
    reason: loaded with dlsym by the host
//--- plugin.cpp
void exported() {}
namespace cli {
void cmd_build() {}
void cmd_test() {}
void not_a_cmd() {}
}
[[clang::annotate("reach::entry")]] void annotated() {}
namespace ipc {
using Handler = void (*)();
void register_handler(const char *, Handler) {}
void on_ping() {}
void unregistered() {}
// Registration in code that is itself unreachable still makes roots: the
// rule says what the framework calls.
void setup() {
  register_handler("ping", &on_ping);
  register_handler("lambda", [] { });
}
}
void helper_of_kept() {}
extern "C" void plugin_abi_v1() { helper_of_kept(); }
extern "C" void plugin_abi_v2() {}
