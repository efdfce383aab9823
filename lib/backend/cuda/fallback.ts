// Kernels the cuda backend does not implement natively run on the cpu backend: the inputs are read back
// from the device, the cpu kernel runs, and its outputs are uploaded. Each use is counted (bench/gpu.ts
// reports the counts: a fallback inside the forward pass costs a device round trip).
import * as tf from '@tensorflow/tfjs';
import { runCpuKernel } from '../cpu-bridge.js';
import type { BackendValues } from '../kernel-backend.js';
import type { CudaBackend } from './backend.js';

const counts = new Map<string, number>();

/** How many times each kernel ran through the cpu fallback since the last reset. */
export function cudaFallbackCounts(): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetCudaFallbackCounts(): void {
  counts.clear();
}

/** Runs the cpu backend's kernel `name` on cuda tensors (inputs downloaded, outputs uploaded). */
export function runOnCpu(name: string, inputs: tf.NamedTensorInfoMap | tf.TensorInfo[], cuda: CudaBackend, attrs: tf.NamedAttrMap | undefined): tf.TensorInfo | tf.TensorInfo[] {
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) throw new Error(`backend 'cuda': no native kernel and no cpu kernel for ${name}`);
  counts.set(name, (counts.get(name) ?? 0) + 1);
  return runCpuKernel(kernel, inputs, attrs, (dataId) => cuda.readSync(dataId) as BackendValues, (shape, dtype, values) => {
    if (dtype === 'complex64' || dtype === 'string') throw new Error(`backend 'cuda': ${name} on the cpu fallback returned a ${dtype} tensor, which cuda cannot hold`);
    return cuda.makeTensorInfo(shape, dtype, values as Float32Array | Int32Array | Uint8Array);
  });
}

/** A cuda kernel config that always runs the cpu kernel. */
export function cpuFallbackKernel(name: string): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => runOnCpu(name, inputs, backend as CudaBackend, attrs),
  };
}
