import type * as tf from '@tensorflow/tfjs';

type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

/** The part of the cpu backend (`MathBackendCPU`) the wasm fallbacks use. */
export interface CpuBackendLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: BackendValues | string[]): tf.TensorInfo;
  readSync(dataId: tf.TensorInfo['dataId']): BackendValues;
  disposeData(dataId: tf.TensorInfo['dataId'], force?: boolean): boolean;
}

/** The part of the wasm backend (`BackendWasm`) the fallbacks use. */
export interface WasmBackendLike {
  readSync(dataId: tf.TensorInfo['dataId']): BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: BackendValues): tf.TensorInfo;
}

export type { BackendValues };

/**
 * The cpu backend's first write prints "install tfjs-node to speed things up". In prismer-ts tfjs-node
 * is an opt-in backend and cpu is the reference (or wasm's helper), so the advice only adds noise to
 * every command's output: mark the backend as already used.
 */
export function silenceTfjsNodeAdvice(backend: unknown): void {
  const flagged = backend as { firstUse?: boolean } | undefined;
  if (flagged?.firstUse === true) flagged.firstUse = false;
}
