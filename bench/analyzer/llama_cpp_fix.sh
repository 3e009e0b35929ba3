#!/usr/bin/env bash
# Runs `reach-audit fix --apply --verify` on llama.cpp (the source
# node-llama-cpp ships in its npm package), as a user would on a library:
# rules `entries: main` plus the public headers (`header: include/**`,
# `ggml/include/**`), `tests: tests/**`. Builds everything and runs ctest
# before, then lets fix delete and verify with the same build and tests;
# records what was deleted, the rounds, each rejected deletion with its
# error, and whether the tree still builds and its tests pass (#11).
#
# usage: bench/analyzer/llama_cpp_fix.sh [WORK_DIR] [JOBS]
#   needs: scripts/setup.sh run (test/node/node_modules) and build/ built.
#   REUSE_BUILD=1 keeps WORK_DIR's clone and build of an earlier run when its
#   tree is unchanged (the build before takes ~20 minutes on 2 cores).
# Not CI: about an hour on 2 cores. The recorded runs are in
# bench/analyzer/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
REACH_AUDIT=${REACH_AUDIT:-$REPO/build/analyzer/reach-audit}
WORK=${1:-/tmp/reach-llama-fix}
JOBS=${2:-2}
BUNDLE=test/node/node_modules/node-llama-cpp/llama/gitRelease.bundle
[[ -f $BUNDLE ]] || { echo "missing $BUNDLE: run scripts/setup.sh" >&2; exit 2; }
SRC=$WORK/llama.cpp
reuse=0
if [[ ${REUSE_BUILD:-0} == 1 && -f $SRC/build/build.ninja && -z $(git -C "$SRC" status --porcelain 2>/dev/null) ]]; then
  reuse=1
else
  rm -rf "$WORK" && mkdir -p "$WORK"
  git clone -q "$REPO/$BUNDLE" "$SRC"
  git -C "$SRC" checkout -q -B main
fi
if ((reuse == 0)); then
cat > "$SRC/reach.yaml" <<'YAML'
entries:
  - function: main
  - header: "include/**"
  - header: "ggml/include/**"
tests:
  - path: "tests/**"
YAML
git -C "$SRC" add reach.yaml
git -C "$SRC" -c user.name=bench -c user.email=bench@localhost commit -qm "reach.yaml"
fi

step() { echo "== $1 ($(date -u +%H:%M:%S))"; }
step "configure and build everything (before)"
if ((reuse)); then echo "reusing the build of an earlier run in $SRC/build"; else
cmake -S "$SRC" -B "$SRC/build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=ON -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF > "$WORK/configure.log"
/usr/bin/time -f "build before: wall %e s" cmake --build "$SRC/build" -j "$JOBS" > "$WORK/build-before.log" 2>&1 \
  || { echo "llama.cpp does not build before any edit: see $WORK/build-before.log"; exit 1; }
fi
tail -1 "$WORK/build-before.log"
step "ctest (before)"
ctest --test-dir "$SRC/build" -j "$JOBS" > "$WORK/ctest-before.log" 2>&1 || true
grep -E "tests passed|tests failed" "$WORK/ctest-before.log" || true
# Tests that fail before any edit (they need a model file or the network)
# are left out of the verification: fix is judged on the tests that pass.
failing=$(grep -E "^\s*[0-9]+ - " "$WORK/ctest-before.log" | sed -E 's/^\s*[0-9]+ - ([^ ]+).*/\1/' | paste -sd'|' || true)
echo "left out of --verify (failing before): ${failing:-none}"
exclude=${failing:+-E \'^($failing)\$\'}

step "reach-audit fix --apply --verify"
echo "reach-audit $("$REACH_AUDIT" --version 2>/dev/null | head -1) ($REACH_AUDIT), repository at $(git -C "$REPO" rev-parse --short HEAD), llama.cpp $(git -C "$SRC" rev-parse --short HEAD)"
verify="cmake --build build -j $JOBS && ctest --test-dir build -j $JOBS $exclude"
set +e
( cd "$SRC" && /usr/bin/time -f "fix: wall %e s, peak RSS %M KB" "$REACH_AUDIT" fix -p build --root . \
    --rules reach.yaml -j "$JOBS" --apply --verify "$verify" ) > "$WORK/fix.diff" 2> "$WORK/fix.log"
rc=$?
set -e
grep -E "^reach-audit fix: [0-9]+ file|broke|verify|^fix: wall|^reach-audit: (error|warning)" "$WORK/fix.log" || true
echo "fix exit status: $rc"
echo "rejected deletions (the build needed them):"
grep -E "deleting it breaks" "$WORK/fix.log" | sed 's/^/  /' || echo "  none"
echo "deleted definitions (lines of the diff starting a deleted definition are not counted; see fix.diff):"
echo "  files changed: $(git -C "$SRC" status --porcelain | wc -l), lines removed: $(git -C "$SRC" diff --numstat | awk '{d += $2} END {print d + 0}')"

step "scan after"
"$REACH_AUDIT" scan -p "$SRC/build" --root "$SRC" --rules "$SRC/reach.yaml" -j "$JOBS" --keep-going \
  --json "$WORK/after.json" > "$WORK/after.txt" 2> "$WORK/after.log" || true
python3 -c 'import json,sys; print("after:", json.load(open(sys.argv[1]))["summary"])' "$WORK/after.json"
