#!/usr/bin/env bash
# Configures (does not build) build-audit/, whose compile_commands.json
# builds every part of the tree, fuzzers included; prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
DB_DIR=${AUDIT_DB_DIR:-build-audit}
mkdir -p "$DB_DIR"
cmake -S . -B "$DB_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DREACH_FUZZ=ON > "$DB_DIR/configure.log" 2>&1 ||
  { cat "$DB_DIR/configure.log" >&2; exit 2; }
echo "$DB_DIR"
