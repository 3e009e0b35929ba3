#!/usr/bin/env bash
# Decode speed against the GEMV's prefetch distances (kernels/cpu_features.h),
# to fill the per-CPU-family table there: for each pair L1,L2 (bytes ahead
# into L1 and L2), `REACH_PREFETCH=L1,L2 reach-run bench -p 0 -n 64` on the
# TinyLlama-shaped Q8_0 and Q4_0 files, the pairs interleaved round by round
# so that drift on a shared machine spreads over all of them. Prints the
# mean t/s per pair and type, the weight bytes read per second, and the
# share of the read bandwidth reach-membw measures.
#   bench/runtime/prefetch_sweep.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench] [ROUNDS=3]
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench} rounds=${4:-3}
reach_run="$build/runtime/tool/reach-run"
[[ -f $work/tinyllama/model-q4_0.gguf ]] || { echo "run bench_vs_llama_cpp.sh first (it writes $work/tinyllama)" >&2; exit 2; }
pairs=(${PAIRS:-1024,4096 1536,4096 2048,4096 2048,5120 2048,6144 2560,5120 3072,6144 3072,8192 4096,8192 2048,0 0,5120 0,0})

echo "cpu: $("$reach_run" bench -m "$work/tinyllama/model-q4_0.gguf" -p 0 -n 1 -r 1 -t "$threads" | awk '/^cpu:/ {sub(/^cpu: /, ""); print}'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
bw=$("$build/bench/runtime/reach-membw" --threads "$threads" | awk '$1 == "read_GBps" {print $2}')
echo "read bandwidth ($threads threads, reach-membw): $bw GB/s"
declare -A tps bytes
for ((round = 1; round <= rounds; round++)); do
  for pair in "${pairs[@]}"; do
    for type in q8_0 q4_0; do
      out=$(REACH_PREFETCH=$pair "$reach_run" bench -m "$work/tinyllama/model-$type.gguf" -p 0 -n 64 -r 3 -t "$threads")
      tps[$pair,$type]+="$(awk -F'|' '$6 ~ /tg/ {split($7, a, "±"); gsub(/ /, "", a[1]); print a[1]}' <<<"$out") "
      bytes[$type]=$(awk '/weight_bytes_per_token/ {print $2}' <<<"$out")
    done
  done
  echo "round $round done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
done
echo
echo "| L1,L2 ahead | Q8_0 t/s | Q8_0 GB/s | Q8_0 % of read | Q4_0 t/s | Q4_0 GB/s | Q4_0 % of read |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for pair in "${pairs[@]}"; do
  awk -v p="$pair" -v a="${tps[$pair,q8_0]}" -v b="${tps[$pair,q4_0]}" -v ba="${bytes[q8_0]}" -v bb="${bytes[q4_0]}" -v bw="$bw" 'BEGIN {
    n = split(a, x, " "); s = 0; for (i = 1; i <= n; i++) s += x[i]; ma = s / n
    n = split(b, y, " "); s = 0; for (i = 1; i <= n; i++) s += y[i]; mb = s / n
    printf "| %s | %.2f | %.1f | %.0f%% | %.2f | %.1f | %.0f%% |\n", p, ma, ma * ba / 1e9, 100 * ma * ba / 1e9 / bw, mb, mb * bb / 1e9, 100 * mb * bb / 1e9 / bw }'
done
