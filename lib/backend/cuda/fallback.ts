// Kernels the cuda backend does not implement natively run on the cpu backend: the inputs are read back
// from the device, the cpu kernel runs, and its outputs are uploaded. Each use is counted (bench/gpu.ts
// reports the counts: a fallback inside the forward pass costs a device round trip).
import * as tf from '@tensorflow/tfjs';
import { silenceTfjsNodeAdvice, type CpuBackendLike } from '../kernel-backend.js';
import type { CudaBackend } from './backend.js';

const counts = new Map<string, number>();

/** How many times each kernel ran through the cpu fallback since the last reset. */
export function cudaFallbackCounts(): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetCudaFallbackCounts(): void {
  counts.clear();
}

function cpuBackend(): CpuBackendLike {
  const backend = tf.findBackend('cpu');
  if (!backend) throw new Error('the cpu backend is not registered (import @tensorflow/tfjs)');
  silenceTfjsNodeAdvice(backend);
  return backend as unknown as CpuBackendLike;
}

/** Runs the cpu backend's kernel `name` on cuda tensors (inputs downloaded, outputs uploaded). */
export function runOnCpu(name: string, inputs: tf.NamedTensorInfoMap | tf.TensorInfo[], cuda: CudaBackend, attrs: tf.NamedAttrMap | undefined): tf.TensorInfo | tf.TensorInfo[] {
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) throw new Error(`backend 'cuda': no native kernel and no cpu kernel for ${name}`);
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const cpu = cpuBackend();
  const created: tf.TensorInfo[] = [];
  try {
    const cpuInputs: Record<string, tf.TensorInfo> | tf.TensorInfo[] = Array.isArray(inputs) ? [] : {};
    for (const [key, info] of Object.entries(inputs)) {
      if (!info) continue;
      const copy = cpu.makeTensorInfo([...info.shape], info.dtype, cuda.readSync(info.dataId) as Float32Array | Int32Array | Uint8Array);
      created.push(copy);
      (cpuInputs as Record<string, tf.TensorInfo>)[key] = copy;
    }
    const result = kernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu as unknown as tf.KernelBackend, attrs });
    const outputs = Array.isArray(result) ? result : [result as tf.TensorInfo];
    created.push(...outputs);
    const back = outputs.map((out) => {
      if (out.dtype === 'complex64' || out.dtype === 'string') throw new Error(`backend 'cuda': ${name} on the cpu fallback returned a ${out.dtype} tensor, which cuda cannot hold`);
      return cuda.makeTensorInfo([...out.shape], out.dtype, cpu.readSync(out.dataId) as Float32Array | Int32Array | Uint8Array);
    });
    return Array.isArray(result) ? back : back[0]!;
  } finally {
    const seen = new Set<object>();
    for (const info of created) {
      if (seen.has(info.dataId)) continue;
      seen.add(info.dataId);
      cpu.disposeData(info.dataId, true);
    }
  }
}

/** A cuda kernel config that always runs the cpu kernel. */
export function cpuFallbackKernel(name: string): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => runOnCpu(name, inputs, backend as CudaBackend, attrs),
  };
}
