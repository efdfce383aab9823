import * as tf from '@tensorflow/tfjs';
import { silenceTfjsNodeAdvice, type BackendValues, type CpuBackendLike, type WasmBackendLike } from './kernel-backend.js';
import { wasmUnsortedSegmentSum } from './wasm-segment-sum.js';

/**
 * Kernels the cpu backend has and wasm lacks, which cannot run through a data copy: complex64 values
 * (wasm stores no complex tensors) and canvas drawing.
 */
export const WASM_UNBRIDGEABLE_KERNELS: Readonly<Record<string, string>> = {
  Complex: 'complex64 output', ComplexAbs: 'complex64 input', FFT: 'complex64', IFFT: 'complex64',
  Imag: 'complex64 input', Real: 'complex64 input', Draw: 'draws on a browser canvas',
};

/** Kernels given a dedicated wasm implementation instead of the generic copy-to-cpu bridge. */
const DEDICATED: tf.KernelConfig[] = [wasmUnsortedSegmentSum];

function cpuBackend(): CpuBackendLike {
  const backend = tf.findBackend('cpu');
  if (!backend) throw new Error('the cpu backend is not registered (import @tensorflow/tfjs)');
  silenceTfjsNodeAdvice(backend);
  return backend as unknown as CpuBackendLike;
}

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
      const cpu = cpuBackend();
      const created: tf.TensorInfo[] = [];
      try {
        // Variadic kernels (Einsum, …) receive their inputs as an array: keep that shape.
        const cpuInputs: Record<string, tf.TensorInfo> | tf.TensorInfo[] = Array.isArray(inputs) ? [] : {};
        for (const [name, info] of Object.entries(inputs)) {
          if (!info) continue;
          const copy = cpu.makeTensorInfo([...info.shape], info.dtype, wasm.readSync(info.dataId));
          created.push(copy);
          (cpuInputs as Record<string, tf.TensorInfo>)[name] = copy;
        }
        const result = kernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu as unknown as tf.KernelBackend, attrs });
        const outputs = Array.isArray(result) ? result : [result as tf.TensorInfo];
        created.push(...outputs);
        const back = outputs.map((out) => wasm.makeOutput([...out.shape], out.dtype, undefined, cpu.readSync(out.dataId) as BackendValues));
        return Array.isArray(result) ? back : back[0]!;
      } finally {
        const seen = new Set<object>();
        for (const info of created) {
          if (seen.has(info.dataId)) continue;
          seen.add(info.dataId);
          cpu.disposeData(info.dataId, true);
        }
      }
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
  const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const names: string[] = [];
  for (const kernel of DEDICATED) {
    if (wasmKernels.has(kernel.kernelName)) continue;
    tf.registerKernel(kernel);
    wasmKernels.add(kernel.kernelName);
    names.push(kernel.kernelName);
  }
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (wasmKernels.has(kernel.kernelName) || Object.hasOwn(WASM_UNBRIDGEABLE_KERNELS, kernel.kernelName)) continue;
    tf.registerKernel(bridgeToCpu(kernel));
    names.push(kernel.kernelName);
  }
  registered = names;
  return names;
}
