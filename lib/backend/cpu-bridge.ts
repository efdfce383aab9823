import * as tf from '@tensorflow/tfjs';
import { silenceTfjsNodeAdvice, type BackendValues, type CpuBackendLike } from './kernel-backend.js';

/**
 * Kernels the cpu backend has that cannot run through a data copy into another backend: complex64 values
 * (neither wasm nor cuda stores complex tensors) and canvas drawing.
 */
export const CPU_UNBRIDGEABLE_KERNELS: Readonly<Record<string, string>> = {
  Complex: 'complex64 output', ComplexAbs: 'complex64 input', FFT: 'complex64', IFFT: 'complex64', RFFT: 'complex64 output',
  IRFFT: 'complex64 input', Imag: 'complex64 input', Real: 'complex64 input', Draw: 'draws on a browser canvas',
};

/** The registered cpu backend, the reference every fallback runs on. */
export function cpuBackend(): CpuBackendLike {
  const backend = tf.findBackend('cpu');
  if (!backend) throw new Error('the cpu backend is not registered (import @tensorflow/tfjs)');
  silenceTfjsNodeAdvice(backend);
  return backend as unknown as CpuBackendLike;
}

/**
 * Runs the cpu backend's `kernel` on tensors held by another backend: each input is read with `read` and
 * copied into the cpu backend, the kernel runs there, and each output is handed to `write` to be stored
 * by the calling backend. Every cpu-side copy is freed afterwards. Variadic kernels (Einsum, …) receive
 * their inputs as an array, which is kept.
 */
export function runCpuKernel(
  kernel: tf.KernelConfig,
  inputs: tf.NamedTensorInfoMap | tf.TensorInfo[],
  attrs: tf.NamedAttrMap | undefined,
  read: (dataId: tf.TensorInfo['dataId']) => BackendValues,
  write: (shape: number[], dtype: tf.DataType, values: BackendValues) => tf.TensorInfo,
): tf.TensorInfo | tf.TensorInfo[] {
  const cpu = cpuBackend();
  const created: tf.TensorInfo[] = [];
  try {
    const cpuInputs: Record<string, tf.TensorInfo> | tf.TensorInfo[] = Array.isArray(inputs) ? [] : {};
    for (const [name, info] of Object.entries(inputs)) {
      if (!info) continue;
      const copy = cpu.makeTensorInfo([...info.shape], info.dtype, read(info.dataId));
      created.push(copy);
      (cpuInputs as Record<string, tf.TensorInfo>)[name] = copy;
    }
    const result = kernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu as unknown as tf.KernelBackend, attrs });
    const outputs = Array.isArray(result) ? result : [result as tf.TensorInfo];
    created.push(...outputs);
    const back = outputs.map((out) => write([...out.shape], out.dtype, cpu.readSync(out.dataId)));
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

/**
 * Registers for `backendName` each of its `own` kernels it does not have yet, then `bridge(cpuKernel)` for
 * every other kernel the cpu backend has (found by comparing the registries, so kernels added in later tfjs
 * versions are covered too), except CPU_UNBRIDGEABLE_KERNELS. Returns the names registered by each route.
 */
export function registerOwnThenCpuBridged(
  backendName: string, own: readonly tf.KernelConfig[], bridge: (cpuKernel: tf.KernelConfig) => tf.KernelConfig,
): { own: string[]; bridged: string[] } {
  const have = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  const registered = { own: [] as string[], bridged: [] as string[] };
  for (const kernel of own) {
    if (have.has(kernel.kernelName)) continue;
    tf.registerKernel(kernel);
    have.add(kernel.kernelName);
    registered.own.push(kernel.kernelName);
  }
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (have.has(kernel.kernelName) || Object.hasOwn(CPU_UNBRIDGEABLE_KERNELS, kernel.kernelName)) continue;
    tf.registerKernel(bridge(kernel));
    have.add(kernel.kernelName);
    registered.bridged.push(kernel.kernelName);
  }
  return registered;
}
