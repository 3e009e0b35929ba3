#!/usr/bin/env bash
# The main job: set up, build, and audit this repository's own runtime with
# reach-audit, writing the reports under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
"$BUILD_DIR/analyzer/reach-audit" scan -p "$BUILD_DIR" --root . --rules rules/reach.yaml \
  --json reports/audit.json "$@"
