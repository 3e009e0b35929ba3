#!/usr/bin/env bash
# Decode speed against the GEMV's prefetch choices (kernels/cpu_features.h),
# to fill the per-CPU-family table there: for each setting L1,L2[,hint]
# (bytes ahead into L1 and L2, the L2 prefetch's hint t1 or nta),
# `REACH_PREFETCH=... reach-run bench -p 0 -n N` on the TinyLlama-shaped
# files of TYPES, type by type, the settings interleaved round by round
# (their order rotated each round) so that drift on a shared machine spreads
# over all of them. Prints per setting and type the median t/s over the rounds, the
# weight bytes read per second, the share of the read bandwidth reach-membw
# measures before the rounds, and against the first setting the median
# change of the rounds' pairs and in how many rounds it was faster.
#   bench/runtime/prefetch_sweep.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench] [ROUNDS=3]
#   env: PAIRS="0,6144 0,6144,nta ..."  TYPES="q8_0 q4_0"  TOKENS=64
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench} rounds=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
reach_run="$build/runtime/tool/reach-run"
types=(${TYPES:-q8_0 q4_0}) tokens=${TOKENS:-64}
for type in "${types[@]}"; do
  [[ -f $work/tinyllama/model-$type.gguf ]] || { echo "no $work/tinyllama/model-$type.gguf: run bench_vs_llama_cpp.sh first (it writes them)" >&2; exit 2; }
done
pairs=(${PAIRS:-1024,4096 1536,4096 2048,4096 2048,5120 2048,6144 2560,5120 3072,6144 3072,8192 4096,8192 2048,0 0,5120 0,0})

first=$("$reach_run" bench -m "$work/tinyllama/model-${types[0]}.gguf" -p 0 -n 1 -r 1 -t "$threads")
echo "cpu: $(python3 "$here/reach_bench_rows.py" cpu <<<"$first"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown); tg$tokens, $threads threads, $rounds rounds"
bw=$("$build/bench/runtime/reach-membw" --threads "$threads" | awk '$1 == "read_GBps" {print $2}')
echo "read bandwidth ($threads threads, reach-membw): $bw GB/s"
declare -A tps bytes
# Type by type, the settings back to back within a round: a pair compared is
# seconds apart, not minutes.
for type in "${types[@]}"; do
  order=("${pairs[@]}")
  for ((round = 1; round <= rounds; round++)); do
    for pair in "${order[@]}"; do
      out=$(REACH_PREFETCH=$pair "$reach_run" bench -m "$work/tinyllama/model-$type.gguf" -p 0 -n "$tokens" -r 1 -t "$threads")
      tps[$pair,$type]+="$(python3 "$here/reach_bench_rows.py" rate "tg$tokens" <<<"$out") "
      [[ -n ${bytes[$type]:-} ]] || bytes[$type]=$(python3 "$here/reach_bench_rows.py" weight_bytes <<<"$out")
    done
    order=("${order[@]:1}" "${order[0]}")
  done
  echo "$type done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
done
echo
echo "| type | L1,L2[,hint] | t/s per round | median t/s | GB/s | % of read | against ${pairs[0]}: median change, faster in |"
echo "| --- | --- | --- | ---: | ---: | ---: | --- |"
for type in "${types[@]}"; do
  for pair in "${pairs[@]}"; do
    awk -v t="$type" -v p="$pair" -v a="${tps[$pair,$type]}" -v base="${tps[${pairs[0]},$type]}" -v bytes="${bytes[$type]}" -v bw="$bw" -v base_name="${pairs[0]}" '
      function median(v, n,   i, j, x) {
        for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
      BEGIN {
        n = split(a, x, " "); split(base, b, " "); faster = 0
        for (i = 1; i <= n; i++) { rel[i] = x[i] / b[i] - 1; if (x[i] > b[i]) faster++; y[i] = x[i] }
        m = median(y, n)
        cmp = p == base_name ? "-" : sprintf("%+.1f%%, %d of %d", 100 * median(rel, n), faster, n)
        printf "| %s | %s | %s | %.2f | %.1f | %.0f%% | %s |\n", t, p, a, m, m * bytes / 1e9, 100 * m * bytes / 1e9 / bw, cmp }'
  done
done
