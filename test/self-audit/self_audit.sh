#!/usr/bin/env bash
# usage: self_audit.sh REACH_AUDIT SOURCE_DIR DB_DIR
set -euo pipefail
reach_audit=$1 src=$2 db=$3
AUDIT_DB_DIR="$db" bash "$src/scripts/audit-db.sh" > /dev/null
cd "$src"
"$reach_audit" check -p "$db" --root . --rules rules/reach.yaml --baseline reports/baseline.json
