#!/usr/bin/env bash
# Decode after a context, reach-run against llama.cpp: tgN @ dD, as
# llama-bench's -d measures it (D random tokens put in the cache first,
# untimed; then N single-token steps), on the TinyLlama-shaped files that
# bench_vs_llama_cpp.sh writes, same file and thread count, the two engines
# interleaved round by round. At depth D a decode step reads D positions of
# keys and values besides the weights: 22 layers x 4 KV heads x 64 x 2 x D
# values, at D = 2048 46 MB in either engine's F16 cache (both engines'
# default) and 92 MB in reach-run's with CACHE_TYPE=f32, against 582-1099 MB
# of weights.
#   bench/runtime/depth_vs_llama_cpp.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench]
#   TYPES ("q4_0 q8_0"), DEPTHS ("0 512 2048"), N_GEN (64), ROUNDS (3), REPS (2),
#   CACHE_TYPE (f16: reach-run's --cache-type)
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench}
here=$(cd "$(dirname "$0")" && pwd)
reach_run="$build/runtime/tool/reach-run"
llama_bench=$("$here/build_llama_bench.sh" "$work" 2>/dev/null)
types=${TYPES:-q4_0 q8_0} depths=${DEPTHS:-0 512 2048} n=${N_GEN:-64} rounds=${ROUNDS:-3} reps=${REPS:-2}
cache=${CACHE_TYPE:-f16}  # reach-run's --cache-type (llama-bench's cache is F16, its default)
for type in $types; do
  [[ -f $work/tinyllama/model-$type.gguf ]] ||
    { echo "no $work/tinyllama/model-$type.gguf: TYPES=$type bench/runtime/bench_vs_llama_cpp.sh writes it" >&2; exit 2; }
done

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores seen); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reach-run $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown); llama.cpp $(git -C "$work/llama.cpp" rev-parse --short HEAD 2>/dev/null || cat "$work/llama.cpp/COMMIT" 2>/dev/null || echo unknown)"
echo "tg$n @ depth, $threads threads, $rounds rounds of -r $reps per engine, interleaved (t/s); reach-run's KV cache $cache, llama.cpp's f16"
echo
echo "| type | depth | reach-run tg$n t/s (rounds) | llama.cpp tg$n t/s (rounds) | ratio of medians |"
echo "| --- | ---: | --- | --- | ---: |"
for type in $types; do
  gguf="$work/tinyllama/model-$type.gguf"
  for d in $depths; do
    ours=() theirs=()
    if ((d == 0)); then test="tg$n"; else test="tg$n @ d$d"; fi  # reach-run bench's row
    for ((r = 0; r < rounds; r++)); do
      ours+=("$("$reach_run" bench --model "$gguf" -p 0 -n "$n" -d "$d" -r "$reps" --threads "$threads" --cache-type "$cache" |
        python3 "$here/reach_bench_rows.py" rate "$test")")
      theirs+=("$("$llama_bench" -m "$gguf" -p 0 -n "$n" -d "$d" -r "$reps" -t "$threads" -o jsonl 2>/dev/null |
        python3 -c 'import json, sys; print("%.2f" % json.loads(sys.stdin.readline())["avg_ts"])')")
    done
    python3 - "$type" "$d" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
kind, depth, ours, theirs = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
a, b = statistics.median(map(float, ours)), statistics.median(map(float, theirs))
print("| %s | %s | %.1f (%s) | %.1f (%s) | %.2f |" % (kind, depth, a, " / ".join(ours), b, " / ".join(theirs), a / b))
PY
  done
done
