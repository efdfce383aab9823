import * as tf from '@tensorflow/tfjs';
import { CPU_UNBRIDGEABLE_KERNELS, registerOwnThenCpuBridged, runCpuKernel } from './cpu-bridge.js';
import type { WasmBackendLike } from './kernel-backend.js';
import { wasmUnsortedSegmentSum } from './wasm-segment-sum.js';
import { replaceWasmSliceKernels } from './wasm-slice.js';

/** The kernels the wasm bridge leaves out (see CPU_UNBRIDGEABLE_KERNELS). */
export const WASM_UNBRIDGEABLE_KERNELS = CPU_UNBRIDGEABLE_KERNELS;

/** Kernels given a dedicated wasm implementation instead of the generic copy-to-cpu bridge. */
const DEDICATED: tf.KernelConfig[] = [wasmUnsortedSegmentSum];

/**
 * A wasm kernel that runs the cpu backend's kernel: copies the inputs into the cpu backend, runs the
 * kernel there and copies the outputs back into wasm memory.
 */
function bridgeToCpu(kernel: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: kernel.kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as WasmBackendLike;
      return runCpuKernel(kernel, inputs, attrs, (dataId) => wasm.readSync(dataId), (shape, dtype, values) => wasm.makeOutput(shape, dtype, undefined, values));
    },
  };
}

let registered: string[] | undefined;

/**
 * Registers, once, a wasm kernel for every kernel the cpu backend has and wasm lacks (found by comparing
 * the two kernel registries, so kernels added in later tfjs versions are covered too). Returns the names.
 */
export function registerWasmFallbackKernels(): string[] {
  if (registered) return registered;
  replaceWasmSliceKernels();
  const { own, bridged } = registerOwnThenCpuBridged('wasm', DEDICATED, bridgeToCpu);
  registered = [...own, ...bridged];
  return registered;
}
