#!/bin/bash
# Prepares the one-call GPU check of the cuda backend (bench/gpu-device.sh): bundles bench/gpu.ts with esbuild
# (node_modules does not travel; the .node addon stays external and is built on the device) and stages Node.js,
# the Node-API headers and the bundle into .device/ with ../shared/device/stage.sh.
#   npm run gpu:stage
# then, with the device tool: command "bash .device/on-device.sh bash bench/gpu-device.sh", carry [".device"]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stage=${PRISMER_STAGE_SH:-$root/../shared/device/stage.sh}
[ -f "$stage" ] || stage=/work/shared/device/stage.sh
[ -f "$stage" ] || { echo "gpu-stage: no stage.sh (set PRISMER_STAGE_SH)" >&2; exit 1; }
mkdir -p .device
npx esbuild bench/gpu.ts --bundle --platform=node --format=cjs --outfile=.device/bundle.cjs \
  --external:*.node --log-level=warning
bash "$stage"
du -sh .device/bundle.cjs
echo "device command: bash .device/on-device.sh bash bench/gpu-device.sh   (carry [\".device\"]; results come back under \$OUT)"
