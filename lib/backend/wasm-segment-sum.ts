import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './kernel-backend.js';

/**
 * `UnsortedSegmentSum` for the wasm backend as one pass over the data, O(n·d). The cpu backend's
 * kernel builds a mask per segment (O(segments·n·d)), which makes the gather gradient of a 50k-row
 * embedding table take minutes; this computes the same sums (ids outside [0, numSegments) dropped,
 * as in TensorFlow) in index order.
 */
export const wasmUnsortedSegmentSum: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const wasm = backend as WasmBackendLike;
    const idRank = segmentIds.shape.length;
    if (x.shape.slice(0, idRank).join(',') !== segmentIds.shape.join(',')) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(', ')}] is not a prefix of x shape [${x.shape.join(', ')}]`);
    }
    const inner = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
    const values = wasm.readSync(x.dataId) as Float32Array | Int32Array;
    const ids = wasm.readSync(segmentIds.dataId) as Int32Array;
    const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    for (let i = 0; i < ids.length; i++) {
      const segment = ids[i]!;
      if (segment < 0 || segment >= numSegments) continue;
      const from = i * inner;
      const to = segment * inner;
      for (let j = 0; j < inner; j++) out[to + j] += values[from + j]!;
    }
    return wasm.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype, undefined, out);
  },
};
