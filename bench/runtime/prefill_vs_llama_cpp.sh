#!/usr/bin/env bash
# Prompt processing at 32, 128, 512 and 2048 tokens, reach-run against
# llama.cpp's llama-bench on the same TinyLlama-shaped files
# (bench_vs_llama_cpp.sh writes them), same threads, interleaved: for each
# type and round, reach-run then llama-bench. Prints t/s and the rate of
# the weight products in GOP/s (2 × 1,034,420,224 multiply-adds per token:
# 22 layers × (q, o 2048² + k, v 2048×256 + gate, up, down 2048×5632) and
# the 32000×2048 output; attention, which grows with the prompt, is left
# out, so at 2048 tokens the figure understates the work), against the
# 8-bit dot-product peak reach-int-dot-peak measures on the same threads.
#   bench/runtime/prefill_vs_llama_cpp.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench] [ROUNDS=2]
#   TYPES="q8_0 q4_0 q4_k_m q6_k" (the default) picks the files.
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench} rounds=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
reach_run="$build/runtime/tool/reach-run"
llama_bench=$("$here/build_llama_bench.sh" "$work" 2>/dev/null)
[[ -f $work/tinyllama/model-q4_0.gguf ]] || { echo "run bench_vs_llama_cpp.sh first (it writes $work/tinyllama)" >&2; exit 2; }
macs=1034420224
sizes=(32 128 512 2048)
types=${TYPES:-q8_0 q4_0 q4_k_m q6_k}

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores seen); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reach-run $(git -C "$root" rev-parse --short HEAD) ($("$reach_run" bench -m "$work/tinyllama/model-q4_0.gguf" -p 0 -n 1 -r 1 -t "$threads" | awk '/kernel_isa/ {print $2}')); llama.cpp $(git -C "$work/llama.cpp" rev-parse --short HEAD) (llama-bench, GGML_NATIVE)"
peak=$("$build/bench/runtime/reach-int-dot-peak" --threads "$threads")
echo "$peak" | sed 's/^/peak: /'
best_peak=$(echo "$peak" | awk '/GMACs/ && $2 > p {p = $2} END {print p}')

declare -A ours theirs
for ((round = 1; round <= rounds; round++)); do
  for type in $types; do
    gguf="$work/tinyllama/model-$type.gguf"
    for n in "${sizes[@]}"; do
      t=$("$reach_run" bench -m "$gguf" -p "$n" -n 0 -r 2 -t "$threads" | awk -F'|' '$6 ~ /pp/ {split($7, a, "±"); gsub(/ /, "", a[1]); print a[1]}')
      ours[$type,$n]+="$t "
    done
    while read -r n t; do theirs[$type,$n]+="$t "; done < <(
      "$llama_bench" -m "$gguf" -p "$(IFS=,; echo "${sizes[*]}")" -n 0 -r 2 -t "$threads" -o jsonl 2>/dev/null |
        python3 -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line); print(r["n_prompt"], "%.2f" % r["avg_ts"])')
  done
  echo "round $round done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
done

echo
printf '| type | prompt | reach-run t/s | llama.cpp t/s | ratio | reach-run weight GOP/s | %% of 8-bit peak (%s GMAC/s) |\n' "$best_peak"
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for type in $types; do
  for n in "${sizes[@]}"; do
    awk -v type="$type" -v n="$n" -v o="${ours[$type,$n]}" -v l="${theirs[$type,$n]}" -v macs="$macs" -v peak="$best_peak" 'BEGIN {
      k = split(o, a, " "); s = 0; for (i = 1; i <= k; i++) s += a[i]; mo = s / k
      k = split(l, b, " "); s = 0; for (i = 1; i <= k; i++) s += b[i]; ml = s / k
      gops = mo * 2 * macs / 1e9
      printf "| %s | %d | %.1f | %.1f | %.2f | %.0f | %.0f%% |\n", type, n, mo, ml, mo / ml, gops, 100 * gops / (2 * peak) }'
  done
done
