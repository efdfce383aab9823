// A cuda addon that does no device work: every kernel returns at once, allocations are bookkeeping only. Under it
// bench/gpu.ts (`--no-op-addon`) measures what the TypeScript half costs on the host and counts the kernels a forward
// issues, on any machine. Values read back are zeros, so only counts and host times mean anything.
import { CUDA_ADDON_FUNCTIONS, type CudaAddon } from '../lib/backend/cuda/addon.js';

export function noOpCudaAddon(): CudaAddon {
  const sizes = new Map<number, number>();
  let next = 1;
  const working: Partial<CudaAddon> = {
    deviceInfo: () => ({ name: 'no-op addon (no GPU work)', computeCapability: '0.0', totalBytes: 0, freeBytes: 0, runtimeVersion: 0, cublasVersion: 0 }),
    alloc: (bytes) => {
      sizes.set(next, bytes);
      return next++;
    },
    free: (handle) => {
      sizes.delete(handle);
    },
    download: (_handle, out) => {
      out.fill(0);
    },
    memory: () => ({ allocatedBytes: [...sizes.values()].reduce((a, b) => a + b, 0), allocations: sizes.size }),
    gemmBias: () => true,
  };
  return Object.fromEntries(CUDA_ADDON_FUNCTIONS.map((name) => [name, working[name] ?? (() => undefined)])) as unknown as CudaAddon;
}
