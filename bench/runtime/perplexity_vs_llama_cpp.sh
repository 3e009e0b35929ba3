#!/usr/bin/env bash
# reach-run perplexity vs llama.cpp's own llama-perplexity (built from the
# source node-llama-cpp ships) on the same GGUF files and the same text:
# this repository's docs, cut to a few windows. Both with an F32 KV cache,
# llama.cpp's default method (windows of -c tokens scored on their second
# half). Prints both figures and their relative difference; #14 asks for
# agreement within 0.5%.
#   bench/runtime/perplexity_vs_llama_cpp.sh BUILD_DIR [CTX=512] [WORK=/tmp/reach-bench] [MODEL.gguf...]
set -euo pipefail
build=$(cd "$1" && pwd) ctx=${2:-512} work=${3:-/tmp/reach-bench}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=("$work/tinyllama/model-q8_0.gguf" "$work/tinyllama/model-q4_0.gguf")
perplexity_tool=$("$here/build_llama_bench.sh" "$work" llama-perplexity 2>/dev/null)

# Real English text: the project's own docs, enough bytes for about five
# windows (llama2's tokenizer: about 4 bytes per token).
text="$work/perplexity-text.txt"
cat "$root"/docs/*.md | head -c $(( ctx * 4 * 5 )) > "$text" || true  # cat ends on SIGPIPE

echo "reach-run $(git -C "$root" rev-parse --short HEAD); llama.cpp $(git -C "$work/llama.cpp" rev-parse --short HEAD); ctx $ctx; text $(wc -c < "$text") bytes"
for model in "${models[@]}"; do
  ours=$("$build/runtime/tool/reach-run" perplexity -m "$model" -f "$text" -c "$ctx" --output json 2>/dev/null)
  our_ppl=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["perplexity"])' <<<"$ours")
  our_tokens=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])' <<<"$ours")
  theirs=$("$perplexity_tool" -m "$model" -f "$text" -c "$ctx" -b "$ctx" -ctk f32 -ctv f32 -t "$(nproc)" 2>&1 || true)
  their_ppl=$(grep -o 'Final estimate: PPL = [0-9.]*' <<<"$theirs" | awk '{print $NF}')
  if [[ -z $their_ppl ]]; then
    echo "$(basename "$model"): llama-perplexity gave no estimate:"; tail -5 <<<"$theirs"; continue
  fi
  awk -v m="$(basename "$model")" -v a="$our_ppl" -v b="$their_ppl" -v n="$our_tokens" 'BEGIN {
    d = (a - b) / b; if (d < 0) d = -d
    printf "%s: reach-run %.4f, llama-perplexity %.4f (%d tokens scored): relative difference %.4f%% %s\n",
           m, a, b, n, 100 * d, (d <= 0.005 ? "(within 0.5%)" : "(OUTSIDE 0.5%)") }'
done
