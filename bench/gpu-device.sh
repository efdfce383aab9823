#!/bin/bash
# The whole GPU check of the cuda backend in one device call (issue 6). Run on the GPU host from the project
# root, after `npm run gpu:stage` here:
#   run tool: command "bash .device/on-device.sh bash bench/gpu-device.sh", carry [".device"]
# Steps (each time-limited, each logged to $OUT/<step>.log, a failing step does not stop the next):
#   build     kernels/cuda/build.sh (nvcc, sm_90 + PTX)
#   kernels   bench/gpu.ts part 1, with PRISMER_CUDA_SYNC=1 so a device fault names its kernel
#   fixtures  bench/gpu.ts part 2
#   paths     parts 1 and 2 again on the paths the defaults may skip: the three-launch attention (PRISMER_CUDA_ATTENTION=gemm)
#             with the bias GEMMs always prefilled (PRISMER_CUDA_GEMM_TUNE=prefilled), then with cuBLASLt's first
#             pick for every bias GEMM (PRISMER_CUDA_GEMM_TUNE=0)
#   gemm      bench/gpu.ts --part gemm: the addon's GEMM alone on the model's shapes
#   overhead  bench/gpu.ts --part overhead: host cost per native call and per tfjs op
#   attention bench/gpu.ts --part attention: the attention core (pointer-array and looped two-level GEMMs), its GEMMs
#             and softmax alone, im2col on the stem convs
#   forward   bench/gpu.ts part 3 + 4 (prismer_base images/s, profiles, host time per native call, memory over 100
#             iterations; each bias GEMM's tuning choice in forward.log)
#   torch     bench/gpu_torch.py: the PyTorch baseline on the same GPU, and the ratio
#   torch-profile  bench/gpu_torch.py --gemm --profile: torch.matmul on the gemm shapes (ratio per shape), encoder
#             and decoder CUDA times, torch.profiler's top kernels (also times the forward again)
#   again     the default forward once more after the baseline (a second sample of the same build), and its ratio
#   untuned   the forward again with the bias GEMMs untuned (PRISMER_CUDA_GEMM_TUNE=0), and its ratio
#   prefilled the forward again with every bias GEMM prefilled (PRISMER_CUDA_GEMM_TUNE=prefilled), and its ratio
#   attention-gemm  the forward again with the three-launch attention (PRISMER_CUDA_ATTENTION=gemm), and its ratio
#   tf32      the GEMMs, the forward and the baseline again with TF32 on both sides (GPU_CHECK_TF32=0 skips)
# $OUT/summary.txt collects the one-line results. Set GPU_CHECK_STEPS="build kernels" to run a subset.
# All steps together stay within GPU_CHECK_BUDGET seconds (default 540, under the device tool's 600 s per
# command): each step's limit is cut to what is left, and a step with under 20 s left is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
: > "$OUT/summary.txt"
steps=${GPU_CHECK_STEPS:-"build kernels fixtures paths gemm overhead attention forward torch torch-profile again untuned prefilled attention-gemm tf32"}
# Forwards are short (~0.14 s): 20 timed runs each side make the median steadier than 5 did (58.0-62.5 images/s
# across three forwards of one build in the 2026-11-28 run).
repeats=${GPU_CHECK_REPEATS:-20}
budget=${GPU_CHECK_BUDGET:-540}
export LD_LIBRARY_PATH=${CUDA_HOME:-/usr/local/cuda}/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bundle=.device/bundle.cjs
addon=kernels/cuda/build/prismer_cuda.node

note() { echo "$*" | tee -a "$OUT/summary.txt"; }
# The ratio of the forward just run (gpu-forward.json, overwritten by each forward step) to the PyTorch baseline of this run.
ratio_of_last_forward() {
  python3 -c 'import json, sys; o, t = (json.load(open(p))["imagesPerSecond"] for p in sys.argv[1:3]); print("ratio cuda/PyTorch (%s): %.3f (%.2f vs %.2f images/s)" % (sys.argv[3], o / t, o, t))' \
    "$OUT/gpu-forward.json" "$OUT/gpu-torch.json" "$1" | tee -a "$OUT/summary.txt"
}
want() { [[ " $steps " == *" $1 "* ]]; }

# step NAME SECONDS CMD...: runs CMD with a time limit, logs it, and notes its exit status and duration.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - SECONDS))
  if [ "$left" -lt 20 ]; then note "[$name] skipped: the time budget is spent"; return 1; fi
  [ "$limit" -gt "$left" ] && limit=$left
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  note "[$name] exit $rc after $((SECONDS - start)) s$([ $rc = 124 ] && echo " (time limit ${limit} s)")"
  [ $rc = 0 ] || tail -n 15 "$OUT/$name.log" | sed "s/^/  $name| /"
  return $rc
}

note "gpu-device.sh on $(hostname) at $(date -u +%FT%TZ): $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi failed')"
note "node $(node --version 2>/dev/null || echo missing), $(nvcc --version 2>/dev/null | tail -1 || echo 'nvcc missing'), $(python3 -c 'import torch; print("torch", torch.__version__)' 2>/dev/null || echo 'no torch')"

if want build; then
  # A toolkit whose cuBLASLt does not link still gets an addon (bias epilogue off), so the rest of the check runs.
  step build 150 bash kernels/cuda/build.sh || { note "[build] retrying without cuBLASLt"; PRISMER_CUDA_NO_LT=1 step build-no-lt 120 bash kernels/cuda/build.sh; }
fi
if [ -f "$addon" ] && [ -f "$bundle" ]; then
  want kernels && PRISMER_CUDA_SYNC=1 step kernels 60 node "$bundle" --part kernels
  want fixtures && step fixtures 60 node "$bundle" --part fixtures
  want paths && PRISMER_CUDA_SYNC=1 PRISMER_CUDA_ATTENTION=gemm PRISMER_CUDA_GEMM_TUNE=prefilled step paths 60 node "$bundle" --part kernels,fixtures
  want paths && PRISMER_CUDA_SYNC=1 PRISMER_CUDA_GEMM_TUNE=0 step paths-lt 60 node "$bundle" --part kernels,fixtures
  want gemm && step gemm 60 node "$bundle" --part gemm
  want overhead && step overhead 30 node "$bundle" --part overhead
  want attention && step attention 40 node "$bundle" --part attention
  want forward && PRISMER_CUDA_GEMM_TUNE_LOG=1 step forward 220 node "$bundle" --part forward --repeats "$repeats"
else
  note "skipping the cuda parts: $([ -f "$addon" ] || echo "no $addon") $([ -f "$bundle" ] || echo "no $bundle (run npm run gpu:stage first)")"
fi
want torch && step torch 90 python3 bench/gpu_torch.py --repeats "$repeats"
want torch-profile && step torch-profile 90 python3 bench/gpu_torch.py --gemm --profile --repeats "$repeats"
if [ -f "$addon" ] && [ -f "$bundle" ]; then
  want again && step again 60 node "$bundle" --part forward --memory-iterations 0 --repeats "$repeats" && ratio_of_last_forward "default, second sample"
  want untuned && PRISMER_CUDA_GEMM_TUNE=0 step untuned 60 node "$bundle" --part forward --memory-iterations 0 --repeats "$repeats" &&
    ratio_of_last_forward "bias GEMMs untuned"
  want prefilled && PRISMER_CUDA_GEMM_TUNE=prefilled step prefilled 60 node "$bundle" --part forward --memory-iterations 0 --repeats "$repeats" &&
    ratio_of_last_forward "bias GEMMs prefilled"
  want attention-gemm && PRISMER_CUDA_ATTENTION=gemm step attention-gemm 60 node "$bundle" --part forward --memory-iterations 0 --repeats "$repeats" &&
    ratio_of_last_forward "three-launch attention"
fi
if want tf32 && [ "${GPU_CHECK_TF32:-1}" = 1 ]; then
  if [ -f "$addon" ] && [ -f "$bundle" ]; then
    step gemm-tf32 30 node "$bundle" --part gemm --tf32
    step forward-tf32 100 node "$bundle" --part forward --tf32 --memory-iterations 0 --repeats "$repeats"
  fi
  step torch-tf32 60 python3 bench/gpu_torch.py --tf32 --gemm --repeats "$repeats"
fi
note "done in $SECONDS s; results in $OUT (summary.txt, gpu-*.json, *.log)"
