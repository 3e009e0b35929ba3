#!/usr/bin/env bash
# reach-run serve under load at --parallel 1, 4 and 8 on one model (default:
# the TinyLlama-shaped Q4_0 file bench_vs_llama_cpp.sh writes), 64 streaming
# requests from 16 clients (every 8th leaves early) and a burst of 32 past
# the queue; prints each run with the CPU, the commit and the load.
#   bench/runtime/serve_load.sh [MODEL.gguf] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-/tmp/reach-bench/tinyllama/model-q4_0.gguf}
THREADS=${2:-2}
[[ -f $MODEL ]] || { echo "missing $MODEL (bench/runtime/bench_vs_llama_cpp.sh writes it)" >&2; exit 2; }
echo "reach-run $(git rev-parse --short HEAD); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model $MODEL"
for p in 1 4 8; do
  echo "== --parallel $p ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  build/bench/runtime/reach-serve-load build/runtime/tool/reach-run "$MODEL" --parallel "$p" --queue 16 \
    --requests 64 --clients 16 --max-tokens 32 --disconnect 8 --burst 32 -t "$THREADS"
done
