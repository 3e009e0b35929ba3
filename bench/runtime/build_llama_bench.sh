#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench from the llama.cpp source that
# node-llama-cpp ships in its npm package (llama/gitRelease.bundle, a git
# bundle), so reach-run is compared with llama.cpp measured as llama.cpp
# measures itself. For benchmark scripts only, never CI.
#   bench/runtime/build_llama_bench.sh [WORK=/tmp/reach-bench] [TARGET=llama-bench]
#   -> prints the binary's path (TARGET: llama-bench, llama-perplexity, ...)
set -euo pipefail
work=${1:-/tmp/reach-bench}
target=${2:-llama-bench}
here=$(cd "$(dirname "$0")" && pwd)
bundle="$here/../../test/node/node_modules/node-llama-cpp/llama/gitRelease.bundle"
[[ -f $bundle || -f $work/llama.cpp/CMakeLists.txt ]] || { echo "build_llama_bench: $bundle missing; run scripts/setup.sh first" >&2; exit 2; }
src="$work/llama.cpp"
mkdir -p "$work"
# A source tree already there (device_cpu_bench.sh unpacks one) is used as it is.
[[ -d $src/.git || -f $src/CMakeLists.txt ]] || git clone -q "$bundle" "$src" 2>/dev/null
# Native CPU flags, as a user building llama.cpp for their own machine would;
# static so the binary does not depend on the build folder's libraries.
cmake -S "$src" -B "$src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DGGML_OPENMP=ON >/dev/null
cmake --build "$src/build" --target "$target" -j "$(nproc)" >&2
echo "$src/build/bin/$target"
