#!/usr/bin/env bash
# The index (#17) on a real compile database: a full scan into an empty
# index, a scan on the warm index, `why` and `blast` queries on it, then a re-scan after
# changing one .cpp and one after changing a widely included header (a
# comment line appended, restored on exit). Prints wall time, peak RSS and
# what the index reused for each; the reports of the warm and the full scan
# must be byte-identical, and the script fails otherwise.
#
# usage: bench/analyzer/bench_index.sh [-p BUILD] [--root DIR] [--rules FILE]
#          [--cpp FILE] [--header FILE] [--symbol NAME] [-j N]
# Defaults: this repository (scripts/audit-db.sh's database).
set -euo pipefail
cd "$(dirname "$0")/../.."
REACH_AUDIT=${REACH_AUDIT:-build/analyzer/reach-audit}
DB="" ROOT=. RULES=rules/reach.yaml JOBS=2
CPP=runtime/sample/sampler.cpp HEADER=runtime/formats/format_error.h SYMBOL=reach::run::argmax
while [ $# -gt 0 ]; do
  case "$1" in
    -p) DB=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    --rules) RULES=$2; shift 2 ;;
    --cpp) CPP=$2; shift 2 ;;
    --header) HEADER=$2; shift 2 ;;
    --symbol) SYMBOL=$2; shift 2 ;;
    -j) JOBS=$2; shift 2 ;;
    *) echo "bench_index.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$DB" ] || DB=$(bash scripts/audit-db.sh)
WORK=$(mktemp -d)
INDEX=$WORK/index
cp "$ROOT/$CPP" "$WORK/cpp.orig"
cp "$ROOT/$HEADER" "$WORK/header.orig"
restore() { cp "$WORK/cpp.orig" "$ROOT/$CPP"; cp "$WORK/header.orig" "$ROOT/$HEADER"; rm -rf "$WORK"; }
trap restore EXIT

TUS=$(python3 -c "import json,sys; print(len({e['file'] for e in json.load(open(sys.argv[1]))}))" "$DB/compile_commands.json")
echo "reach-audit index benchmark: $(git rev-parse --short HEAD), $TUS TUs in $DB, -j $JOBS, $(nproc) cores, $(date -u +%F)"
echo "changed: $CPP (one TU), $HEADER (included by many)"

# run NAME CMD...: wall seconds, peak RSS and the index's line.
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" --index "$INDEX" --index-stats -j "$JOBS" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
  read -r wall rss < "$WORK/time"
  printf '%-16s %8.2f s %8.0f MiB   %s\n' "$name" "$wall" "$((rss / 1024))" \
    "$(grep -o 'index .*: .*' "$WORK/$name.err" | sed 's/^index [^:]*: //')"
}
SCAN=("$REACH_AUDIT" scan -p "$DB" --root "$ROOT" --rules "$RULES")

run full "${SCAN[@]}" --json "$WORK/full.json"
run warm "${SCAN[@]}" --json "$WORK/warm.json"
cmp "$WORK/full.json" "$WORK/warm.json" || { echo "the warm index's report differs from the full scan's" >&2; exit 1; }
run why-warm "$REACH_AUDIT" why -p "$DB" --root "$ROOT" --rules "$RULES" "$SYMBOL"
# blast exits 1 when deleting the symbol would break live code: an answer, not a failure.
run blast-warm bash -c '"$@" || [ $? -eq 1 ]' blast "$REACH_AUDIT" blast -p "$DB" --root "$ROOT" --rules "$RULES" "$SYMBOL"
echo "// changed by bench_index.sh" >> "$ROOT/$CPP"
run one-cpp "${SCAN[@]}"
echo "// changed by bench_index.sh" >> "$ROOT/$HEADER"
run one-header "${SCAN[@]}"
