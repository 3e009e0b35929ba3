#!/usr/bin/env bash
# The main job: set up, build, and audit this repository with reach-audit.
# The audit reads a compile database that builds every part of the tree
# (both programs, tests, benchmarks and the libFuzzer targets, which need
# clang), so nothing that some configuration builds is called orphaned.
# Writes reports/audit.json, reports/audit.sarif, reports/reach.svg and
# reports/audit.html, and prints the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
DB_DIR=$(bash scripts/audit-db.sh)
"$BUILD_DIR/analyzer/reach-audit" scan -p "$DB_DIR" --root . --rules rules/reach.yaml \
  --json reports/audit.json --sarif reports/audit.sarif --svg reports/reach.svg --html reports/audit.html "$@"
