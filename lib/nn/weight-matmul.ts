import * as tf from '@tensorflow/tfjs';
import { DerivedTensors } from './derived-tensors.js';
import { gpuInference } from './fused.js';

// Fast paths for `x @ W^T` with a PyTorch-layout weight W [out, in], and for per-head batched matmuls.
// Why: tfjs-backend-wasm sends a matmul to XNNPACK only when it is 2-D-like (batch 1) and neither
// operand is transposed; `matMul(x, W, false, true)` and batched matmuls take a scalar fallback that
// measured 8–25x slower. So W^T is materialised once per weight value (cached, keyed by the variable and
// its current data, so `assign` invalidates it; XNNPACK then also keeps its packed copy), and the
// gradient is supplied by hand so the cache never has to be on the tape.

const cache = new DerivedTensors();

/** W as a matrix [out, in]: trailing axes flattened (a conv weight [out, c, kh, kw] → [out, c*kh*kw]). */
function asMatrix(w: tf.Tensor): tf.Tensor2D {
  return (w.rank === 2 ? w : tf.reshape(w, [w.shape[0]!, -1])) as tf.Tensor2D;
}

/** Rows [start, start + count) of W, transposed to [in, count]; cached for variables. */
function transposedRows(w: tf.Tensor, start: number, count: number): tf.Tensor2D {
  const whole = start === 0 && count === w.shape[0];
  const compute = () => {
    const m = asMatrix(w);
    return tf.transpose(whole ? m : tf.slice(m, [start, 0], [count, m.shape[1]])) as tf.Tensor2D;
  };
  if (!(w instanceof tf.Variable)) return compute();
  return cache.get(`${w.id}:${start}:${count}`, [w], () => [compute()])[0]!;
}

/** Frees every cached transposed weight (e.g. before a memory-hungry step); they are rebuilt on demand. */
export function clearTransposedWeightCache(): void {
  cache.clear();
}

/** Number of cached transposed weights (for tests and memory accounting). */
export function transposedWeightCacheSize(): number {
  cache.prune();
  return cache.size;
}

/**
 * `x @ W[start:start+count]^T` for x [N, in] and a weight W [out, in] (all rows by default; a weight of
 * higher rank is flattened to [out, in]): the product of `nn.Linear` without bias.
 * Gradients: dx = dy @ W_rows, dW_rows = dy^T @ x (zero elsewhere), reshaped to W's shape.
 */
export function matMulWeightT(x: tf.Tensor2D, w: tf.Tensor, start = 0, count = w.shape[0]!): tf.Tensor2D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, ws, save] = args as [tf.Tensor2D, tf.Tensor, tf.GradSaveFunc];
    save([xs, ws]);
    return {
      value: tf.matMul(xs, transposedRows(ws, start, count)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedW] = saved as [tf.Tensor2D, tf.Tensor];
        const m = asMatrix(savedW);
        const whole = start === 0 && count === m.shape[0];
        const rows = whole ? m : (tf.slice(m, [start, 0], [count, m.shape[1]]) as tf.Tensor2D);
        const dx = tf.matMul(dy as tf.Tensor2D, rows);
        let dw = tf.matMul(tf.transpose(dy) as tf.Tensor2D, savedX);
        if (!whole) dw = tf.pad(dw, [[start, m.shape[0] - start - count], [0, 0]]);
        return [dx, tf.reshape(dw, savedW.shape)];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}

/**
 * `x @ W[start:start+count]^T + bias` (nn.Linear with bias) over the last axis of x (rank ≥ 2), ReLU'd when `activation` is relu. At GPU inference one
 * GEMM with the bias in its epilogue: the `_FusedMatMul` kernel directly, on x as it is and the cached transposed
 * weight (flattening x, or tf.fused.matMul, would add reshapes: ops of host cost on a backend where the decoder is
 * bound by it). Elsewhere `matMulWeightT` on x's rows then a broadcast add, whose gradients the tape records.
 */
export function linearWeightT<T extends tf.Tensor>(x: T, w: tf.Tensor, bias: tf.Tensor1D, start = 0, count = w.shape[0]!, activation: 'linear' | 'relu' = 'linear'): T {
  if (x.rank < 2) throw new Error(`linearWeightT: x has shape [${x.shape.join(', ')}], expected rank 2 or more`);
  if (gpuInference()) return linearTransposed(x, transposedRows(w, start, count), bias, activation);
  return tf.tidy(() => {
    const rows = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, x.shape[x.rank - 1]!]) as tf.Tensor2D);
    let y: tf.Tensor = tf.add(matMulWeightT(rows, w, start, count), bias);
    if (activation === 'relu') y = tf.relu(y);
    return (x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), count])) as T;
  });
}

/**
 * `x @ weightT + bias` (ReLU'd if asked) over the last axis of x (rank ≥ 2) for a weight already in [in, out] layout, as the one
 * `_FusedMatMul` kernel of `linearWeightT` at GPU inference (no tape: there is no gradient through it).
 */
export function linearTransposed<T extends tf.Tensor>(x: T, weightT: tf.Tensor2D, bias: tf.Tensor1D, activation: 'linear' | 'relu' = 'linear'): T {
  return tf.engine().runKernel('_FusedMatMul', { a: x, b: weightT, bias }, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as T;
}

/**
 * Per-batch-item work (m·k·p multiply-adds) from which the split into n 2-D XNNPACK matmuls beats one
 * batched matmul on wasm. Below it the split's fixed costs (a SplitV with n outputs per operand, n
 * kernel calls, n reshapes, and as many again in the gradient) dominate: for attention with 20 tokens
 * and 32-dim heads (12.8k per item, 64 items) the plain batched matmul measured 2–3× faster, with the
 * whole training step of the `npm start` model going from ~1.3 s to well under half; at 48×32×48 (74k)
 * the two tied and from 128×32×128 (524k, prismer_base sizes and up) the split won by 1.2–1.3×
 * (bench/train-step.ts prints both on this machine).
 */
export const SPLIT_BATCHED_MATMUL_MIN_WORK = 65_536;

/**
 * `tf.matMul(a, b, transposeA=false, transposeB)` for rank-3 a [n, m, k] and b ([n, k, p], or [n, p, k]
 * with transposeB). On wasm, for per-item products of at least SPLIT_BATCHED_MATMUL_MIN_WORK
 * multiply-adds, it runs as n 2-D matmuls (XNNPACK) with b transposed up front; otherwise (and on
 * other backends) as one batched matmul. Same numbers either way up to summation order.
 */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeB = false): tf.Tensor3D {
  const [n, m, k] = a.shape;
  const p = transposeB ? b.shape[1] : b.shape[2];
  if (tf.getBackend() !== 'wasm' || n === 1 || m * k * p < SPLIT_BATCHED_MATMUL_MIN_WORK) return tf.matMul(a, b, false, transposeB);
  return splitBatchedMatMul(a, b, transposeB);
}

/** The same product as n 2-D matmuls on b transposed up front (the path batchedMatMul takes for large items on wasm). */
export function splitBatchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeB = false): tf.Tensor3D {
  const [n, m, k] = a.shape;
  return tf.tidy(() => {
    const right = transposeB ? (tf.transpose(b, [0, 2, 1]) as tf.Tensor3D) : b;
    const p = right.shape[2];
    // split (one SplitV kernel) is much faster than unstack on wasm; the reshapes are free.
    const as = tf.split(a, n, 0).map((t) => tf.reshape(t, [m, k]) as tf.Tensor2D);
    const bs = tf.split(right, n, 0).map((t) => tf.reshape(t, [k, p]) as tf.Tensor2D);
    return tf.reshape(tf.concat(as.map((left, i) => tf.matMul(left, bs[i]!)), 0), [n, m, p]) as tf.Tensor3D;
  });
}
