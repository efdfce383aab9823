#!/bin/bash
# Builds the prismer_cuda Node-API addon (kernels/cuda/build/prismer_cuda.node) with nvcc.
#   CUDA_HOME         CUDA toolkit (default /usr/local/cuda)
#   NODE_API_INCLUDE  folder with node_api.h (default: /work/shared/device/include, .device/include, or
#                     the include/node folder of the node on PATH)
#   CUDA_ARCHS        SASS targets (default "90": H100/H200); PTX for the highest is embedded too, so newer
#                     GPUs JIT it once
# `build.sh --check` only compiles (no .node), and where the toolkit has no cuBLAS it compiles against
# kernels/cuda/stub/cublas_v2.h: the syntax and type check for machines without a GPU (CI, laptops).
set -euo pipefail
check=0
[ "${1:-}" = "--check" ] && check=1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
nvcc=${NVCC:-$CUDA_HOME/bin/nvcc}
[ -x "$nvcc" ] || nvcc=$(command -v nvcc || true)
[ -n "$nvcc" ] || { echo "build.sh: nvcc not found (set CUDA_HOME or NVCC)" >&2; exit 1; }

if [ -z "${NODE_API_INCLUDE:-}" ]; then
  for candidate in /work/shared/device/include "$root/.device/include" \
      "$(dirname "$(command -v node 2>/dev/null || echo /nonexistent/bin/node)")/../include/node"; do
    if [ -f "$candidate/node_api.h" ]; then NODE_API_INCLUDE=$candidate; break; fi
  done
fi
[ -n "${NODE_API_INCLUDE:-}" ] && [ -f "$NODE_API_INCLUDE/node_api.h" ] || {
  echo "build.sh: node_api.h not found (set NODE_API_INCLUDE to a folder that has it)" >&2; exit 1; }

archs=${CUDA_ARCHS:-90}
gencode=()
highest=0
for a in $archs; do gencode+=("-gencode=arch=compute_$a,code=sm_$a"); [ "$a" -gt "$highest" ] && highest=$a; done
gencode+=("-gencode=arch=compute_$highest,code=compute_$highest")

mkdir -p "$here/build"
common=(-O2 -std=c++17 -Xcompiler -fPIC "${gencode[@]}" -DNODE_GYP_MODULE_NAME=prismer_cuda -DNAPI_VERSION=8
  -I "$NODE_API_INCLUDE" -I "$CUDA_HOME/include" -I "$here/src")
sources=("$here/src/addon.cu" "$here/src/kernels.cu" "$here/src/gemm.cu" "$here/src/gemm_bias.cu" "$here/src/attention.cu")
if [ "$check" = 1 ]; then
  stub=()
  if [ ! -f "$CUDA_HOME/include/cublas_v2.h" ]; then
    echo "build.sh --check: no cuBLAS in $CUDA_HOME, compiling against the declarations in kernels/cuda/stub/"
    stub=(-I "$here/stub")
  fi
  mkdir -p "$here/build/check"
  for src in "${sources[@]}"; do
    "$nvcc" "${common[@]}" "${stub[@]}" -c "$src" -o "$here/build/check/$(basename "$src" .cu).o"
  done
  echo "build.sh --check: all sources compile (objects in kernels/cuda/build/check, no addon linked)"
  exit 0
fi
# cuBLAS: the toolkit's, else the one PyTorch's pip wheels ship (nvidia/cublas/{include,lib}).
cublas=(-L "$CUDA_HOME/lib64" -Xlinker -rpath -Xlinker "$CUDA_HOME/lib64")
if [ ! -f "$CUDA_HOME/include/cublas_v2.h" ]; then
  wheel=$(python3 -c 'import nvidia.cublas, os; print(list(nvidia.cublas.__path__)[0])' 2>/dev/null || true)
  if [ -n "$wheel" ] && [ -f "$wheel/include/cublas_v2.h" ]; then
    echo "build.sh: using cuBLAS from $wheel"
    [ -e "$wheel/lib/libcublas.so" ] || ln -sf "$(ls "$wheel"/lib/libcublas.so.* | head -1)" "$here/build/libcublas.so"
    cublas=(-I "$wheel/include" -L "$wheel/lib" -L "$here/build" -Xlinker -rpath -Xlinker "$wheel/lib" "${cublas[@]}")
  else
    echo "build.sh: $CUDA_HOME has no cuBLAS (cublas_v2.h); install it, or run build.sh --check to only compile" >&2
    exit 1
  fi
fi
# cuBLASLt (the bias epilogue, gemm_bias.cu) ships with cuBLAS; without it, or with PRISMER_CUDA_NO_LT=1, the
# addon is built without it and adds biases with a second kernel.
# (Each folder is looked at on its own: one `ls` over both failed whenever the wheel folder was absent, which built
# every addon before 2026-11-28 without cuBLASLt.)
lt=(-lcublasLt)
has_lt() { compgen -G "$CUDA_HOME/lib64/libcublasLt.so*" >/dev/null || { [ -n "${wheel:-}" ] && compgen -G "$wheel/lib/libcublasLt.so*" >/dev/null; }; }
if [ "${PRISMER_CUDA_NO_LT:-0}" = 1 ] || ! has_lt; then
  echo "build.sh: building without cuBLASLt (bias epilogue off)"
  lt=(-DPRISMER_NO_CUBLASLT)
fi
out="$here/build/prismer_cuda.node"
tmp="$out.tmp.$$"
echo "build.sh: $nvcc ($("$nvcc" --version | tail -1)), Node-API headers $NODE_API_INCLUDE, archs $archs (+PTX $highest)"
"$nvcc" "${common[@]}" -shared "${sources[@]}" "${cublas[@]}" "${lt[@]}" -lcublas -lcudart -o "$tmp"
mv "$tmp" "$out"
echo "build.sh: wrote $out"
