#!/usr/bin/env bash
# usage: self_audit.sh REACH_AUDIT SOURCE_DIR DB_DIR
set -euo pipefail
reach_audit=$1 src=$2 db=$3
AUDIT_DB_DIR="$db" bash "$src/scripts/audit-db.sh" > /dev/null
cd "$src"
"$reach_audit" check -p "$db" --root . --rules rules/reach.yaml --baseline reports/baseline.json --svg "$db/modules.svg"
# The module view of this repository must stay readable (#17): at most 40
# boxes, no text under 10 pt, a legend.
python3 "$src/test/analyzer/Inputs/svg_legibility.py" "$db/modules.svg" --max-boxes 40
