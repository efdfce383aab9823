// Wires the cuda backend into tfjs: the native kernels, a cpu fallback for every other kernel the cpu backend
// has, and the factory that lib/backend/cuda.ts calls once the addon is loaded.
import * as tf from '@tensorflow/tfjs';
import { registerOwnThenCpuBridged } from '../cpu-bridge.js';
import { setCudaBackendFactory } from '../cuda.js';
import { asCudaAddon } from './addon.js';
import { CudaBackend } from './backend.js';
import { cpuFallbackKernel } from './fallback.js';
import { elementwiseKernels } from './kernels-elementwise.js';
import { fusedKernels } from './kernels-fused.js';
import { layoutKernels } from './kernels-layout.js';
import { linalgKernels } from './kernels-linalg.js';
import { reduceKernels } from './kernels-reduce.js';


const NATIVE: tf.KernelConfig[] = [...elementwiseKernels, ...reduceKernels, ...layoutKernels, ...linalgKernels, ...fusedKernels];

/** Names of the kernels with a native cuda implementation (some hand rare cases to the cpu, see each kernel). */
export const CUDA_NATIVE_KERNELS: readonly string[] = NATIVE.map((k) => k.kernelName);

let registered: { native: string[]; fallback: string[] } | undefined;

/** Registers (once) every cuda kernel: native ones, then cpu fallbacks for the rest. Returns both name lists. */
export function registerCudaKernels(): { native: string[]; fallback: string[] } {
  if (registered) return registered;
  const { own, bridged } = registerOwnThenCpuBridged('cuda', NATIVE, (kernel) => cpuFallbackKernel(kernel.kernelName));
  registered = { native: own, fallback: bridged };
  return registered;
}

/** The tfjs backend over a loaded addon (the real one, or the host reference in tests). */
export function createCudaBackend(addon: unknown): CudaBackend {
  const checked = asCudaAddon(addon);
  registerCudaKernels();
  if (process.env.PRISMER_CUDA_TF32 === '1') checked.setTF32(true);
  if (process.env.PRISMER_CUDA_SYNC === '1') checked.setDebugSync(true);
  return new CudaBackend(checked);
}

/** Makes initBackend('cuda') use this backend once the addon exists. */
export function installCudaBackendFactory(): void {
  setCudaBackendFactory(createCudaBackend);
}
