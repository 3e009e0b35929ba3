# Unpacks the binaries gpu_bundle.sh packed (.devcarry/bundle.tar.xz) into
# /tmp/reach-gpu and points the loader at their libraries and the toolkit's
# cuBLAS: what gpu_checks.sh and device_cpu_bench.sh both start with.
# Sourced from the repository root on the device machine.
mkdir -p /tmp/reach-gpu
tar -C /tmp/reach-gpu -xJf .devcarry/bundle.tar.xz
cublas=$(find /usr/local /usr/lib /opt -name 'libcublas.so.13' 2>/dev/null | head -1)
export LD_LIBRARY_PATH=/tmp/reach-gpu/lib:$(dirname "${cublas:-/usr/local/cuda/lib64/x}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bin=/tmp/reach-gpu/bin
