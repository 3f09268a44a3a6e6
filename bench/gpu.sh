#!/usr/bin/env bash
# GPU check and benchmark, for a machine with an NVIDIA GPU (nvcc on PATH): builds the addon
# with CUDA, runs the CUDA-vs-CPU tests, times conv forward/backward, the fused feature-transfer
# op and one FTMTLNet training step (batch 16, image 512), runs the same shapes in PyTorch
# (cuDNN) when `python3 -c "import torch"` works, and prints the table last. Under 8 minutes:
# every step has a timeout (180 + 60 + 90 + 90 + 60 s at most).
# Usage: bench/gpu.sh [out-dir]   (default runs/gpu-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/gpu-bench}"
mkdir -p "$out"
start=$SECONDS
step() { echo "== $* ($((SECONDS - start)) s)"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found"
command -v nvcc >/dev/null || { echo "nvcc is not on PATH: the addon would build without CUDA"; exit 2; }

step "build (cmake-js, CUDA on) and TypeScript"
FTMTLNET_BUILD_FROM_SOURCE=1 FTMTLNET_CUDA=ON timeout 180 node scripts/build-native.js
timeout 60 npx tsc -p tsconfig.json
node -e "
const c = require('./dist/lib/index.js').capabilities().cuda;
console.log(JSON.stringify(c));
if (!c.available) { console.error('no usable CUDA GPU: ' + c.reason); process.exit(2); }"

step "CUDA tests (each op vs its CPU twin, one training step on both devices)"
tests_rc=0
timeout 90 npx tap test/cuda-device.test.ts test/cuda-ops.test.ts test/cuda-train.test.ts || tests_rc=$?

step "ftmtlnet CUDA benchmark"
timeout 90 node dist/bench/main.js cuda --json "$out/ftmtlnet.json" --repeat 20 || echo "the ftmtlnet benchmark failed (exit $?)"

torch_json=""
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  step "PyTorch peer"
  if timeout 60 python3 bench/gpu_torch.py --json "$out/torch.json"; then torch_json="$out/torch.json"; fi
else
  echo "PyTorch with CUDA is not available here: the table has no PyTorch column"
fi

step "done; CUDA tests exit code $tests_rc"
node dist/bench/cuda-table.js "$out/ftmtlnet.json" $torch_json
exit "$tests_rc"
