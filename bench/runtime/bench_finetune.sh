#!/usr/bin/env bash
# Training speed and memory of reach-run finetune on a TinyLlama-shaped
# model (#18): tokens/s of a training step at ctx 256 next to the same
# model's prefill (reach-run bench -p 256, the forward's speed), and the
# peak RSS of a step with and without --checkpointing (/usr/bin/time).
#   bench/runtime/bench_finetune.sh MODEL.gguf [STEPS] [BATCH]
# Prints a log; keep it under bench/runtime/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: bench_finetune.sh MODEL [STEPS] [BATCH]}
steps=${2:-3}
batch=${3:-1}
run=build/runtime/tool/reach-run
data=$(mktemp /tmp/reach-finetune-data.XXXXXX.txt)
out=$(mktemp -d /tmp/reach-finetune-out.XXXXXX)
trap 'rm -rf "$data" "$out"' EXIT
cat docs/*.md README.md > "$data"   # a real text: ~100 KB of English and code

echo "commit: $(git rev-parse --short HEAD)  date: $(date -u +%FT%TZ)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) threads)"
echo "model: $model  ctx 256, batch $batch, $steps steps, 2 threads"
echo "--- prefill (the forward's speed)"
"$run" bench -m "$model" -p 256 -n 0 -r 2 -t 2 2>&1 | grep -E 'pp256|model'
for mode in plain checkpointing; do
  flag=""
  [[ $mode == checkpointing ]] && flag="--checkpointing"
  echo "--- finetune, $mode"
  /usr/bin/time -f "peak RSS %M KiB, wall %e s" "$run" finetune -m "$model" --data "$data" --out "$out/$mode" \
    --ctx 256 --batch "$batch" --steps "$steps" --rank 8 --seed 1 -t 2 $flag --output json 2>&1 |
    grep -vE '^\{|^\}|^  "(adapter|pairs|loss|steps)"|^    [0-9]|^  \]' || true
done
