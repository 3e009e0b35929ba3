#!/usr/bin/env bash
# Scans llama.cpp (the source node-llama-cpp ships in its npm package) as a
# new user would: a CMake configure-only g++ database (CPU build with tests,
# examples and tools), rules `entries: main`, `tests: tests/**`. Records
# wall time, peak RSS, the verdict counts, failed TUs and the dead
# definitions under src/models/ (#20).
#
# usage: bench/analyzer/llama_cpp_scan.sh [WORK_DIR] [JOBS]
#   needs: scripts/setup.sh run (test/node/node_modules) and build/ built.
# Writes WORK_DIR/scan.json, WORK_DIR/scan.log and prints a summary; the
# recorded runs are in bench/analyzer/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
REACH_AUDIT=${REACH_AUDIT:-$REPO/build/analyzer/reach-audit}   # another build to compare
WORK=${1:-/tmp/reach-llama-scan}
JOBS=${2:-2}
BUNDLE=test/node/node_modules/node-llama-cpp/llama/gitRelease.bundle
[[ -f $BUNDLE ]] || { echo "missing $BUNDLE: run scripts/setup.sh" >&2; exit 2; }
mkdir -p "$WORK"
SRC=$WORK/llama.cpp
if [[ ! -d $SRC ]]; then
  git clone -q "$REPO/$BUNDLE" "$SRC"
fi
if [[ ! -f $SRC/build/compile_commands.json ]]; then
  cmake -S "$SRC" -B "$SRC/build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_TESTS=ON -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF > "$WORK/configure.log"
fi
# The one generated source the database names (tools/ui's ui.cpp and ui.h,
# embedded web assets: none offline). Like clang-tidy, the scan needs the
# build's generated files; nothing else is built.
if [[ ! -f $SRC/build/tools/ui/ui.h ]]; then
  cmake --build "$SRC/build" --target llama-ui-assets >> "$WORK/configure.log" 2>&1
fi
cat > "$SRC/reach.yaml" <<'YAML'
entries:
  - function: main
tests:
  - path: "tests/**"
YAML
echo "reach-audit: $REACH_AUDIT  commit: $(git -C "$REPO" rev-parse --short HEAD)  llama.cpp: $(git -C "$SRC" rev-parse --short HEAD)"
/usr/bin/time -f "wall %e s, peak RSS %M KB" \
  "$REACH_AUDIT" scan -p "$SRC/build" --root "$SRC" --rules "$SRC/reach.yaml" \
  -j "$JOBS" --keep-going --json "$WORK/scan.json" > "$WORK/scan.txt" 2> "$WORK/scan.log" || true
grep -E "^wall" "$WORK/scan.log"
echo "failed TUs: $(grep -c "does not compile" "$WORK/scan.log" || true)"
python3 - "$WORK/scan.json" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1]))
print("summary:", r["summary"])
print("definitions:", len(r["symbols"]), " translation units failing:", len(r.get("errors", [])))
dead = [s for s in r["symbols"] if s["status"] == "dead"]
by_top = collections.Counter(s["file"].split("/")[0] for s in dead)
print("dead by top folder:", dict(by_top.most_common(12)))
models = [s for s in dead if s["file"].startswith("src/models/")]
print("dead in src/models/:", len(models))
for s in models[:10]:
    print("  ", s["file"], s["line"], s["name"])
PY
