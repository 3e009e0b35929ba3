#!/usr/bin/env bash
# Runs every test: gtest units, analyzer lit tests and end-to-end scripts, all
# registered with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "${JOBS:-$(nproc)}" "$@"
