#!/usr/bin/env bash
# Packs what bench/runtime/gpu_checks.sh and device_cpu_bench.sh run on a
# GPU machine that has the CUDA toolkit but none of this project's
# libraries: the binaries built here and the Debian libraries they load
# beyond libc/libstdc++ and cuBLAS (which the toolkit there has), and
# llama.cpp's source, into .devcarry/ (git-ignored through
# .git/info/exclude), for the device tool's `carry`.
#
#   bench/runtime/gpu_bundle.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
ninja -C "$build" reach-run reach_cuda_test reach-random-gguf reach-gpu-membw reach-gpu-gemv-bench reach-membw >/dev/null
grep -qx '/.devcarry/' "$root/.git/info/exclude" 2>/dev/null || echo '/.devcarry/' >>"$root/.git/info/exclude"
stage=$(mktemp -d)
mkdir -p "$stage/bin" "$stage/lib"
cp "$build/runtime/tool/reach-run" "$build/test/runtime/cuda/reach_cuda_test" \
   "$build/bench/runtime/reach-random-gguf" "$build/bench/runtime/reach-gpu-membw" \
   "$build/bench/runtime/reach-gpu-gemv-bench" "$build/bench/runtime/reach-membw" "$stage/bin/"
for lib in $(ldd "$stage"/bin/* | awk '$3 ~ /^\// {print $3}' | sort -u); do
  case $(basename "$lib") in
    libc.so*|libm.so*|libstdc++*|libgcc_s*|libpthread*|libdl.so*|librt.so*|libcublas*|libz.so*|libssl*|libcrypto*) ;;
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
rm -rf "$root/.devcarry" && mkdir -p "$root/.devcarry"
git -C "$root" rev-parse --short HEAD >"$root/.devcarry/commit"
# llama.cpp's source (the bundle node-llama-cpp ships, without its models
# and docs: 8 MB) for device_cpu_bench.sh, which builds llama-bench there.
llama=$(mktemp -d)
git clone -q "$root/test/node/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$llama/src" 2>/dev/null
git -C "$llama/src" rev-parse --short HEAD >"$llama/src/COMMIT"
git -C "$llama/src" archive --format=tar --add-file="$llama/src/COMMIT" HEAD -- . ':!models' ':!docs' ':!benches' \
  ':!media' ':!gguf-py' | xz -T2 -6 >"$root/.devcarry/llama-src.tar.xz"
rm -rf "$llama"
tar -C "$stage" -cJf "$root/.devcarry/bundle.tar.xz" bin lib
rm -rf "$stage"
ls -la "$root/.devcarry"
