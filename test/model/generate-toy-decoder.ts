import * as tf from '@tensorflow/tfjs';
import type { DecoderCache, IncrementalDecoder } from '../../lib/model/incremental.js';

/**
 * A deterministic toy causal LM for generation tests, in tfjs ops, with both a cached incremental path
 * and a full (uncached, masked) forward. Logits at a position are
 *   table[last token] + bag(tokens so far) @ bagWeight + posWeight[position] + mean_L(encoder) @ encWeight,
 * where bag counts the (attended) tokens up to and including the position. All weights are small
 * integers except the encoder term, so the two paths agree bit for bit.
 */
export interface ToyDecoderWeights {
  table: number[][]; // [V, V]
  bagWeight?: number[][]; // [V, V]
  posWeight?: number[][]; // [P, V]
  encWeight?: number[][]; // [D, V]
}

export class ToyDecoder implements IncrementalDecoder {
  readonly vocab: number;
  private readonly table: tf.Tensor2D;
  private readonly bagWeight: tf.Tensor2D | null;
  private readonly posWeight: tf.Tensor2D | null;
  private readonly encWeight: tf.Tensor2D | null;
  /** Number of decoder calls and positions processed (to show the cache saves work). */
  calls = 0;
  positions = 0;

  constructor(weights: ToyDecoderWeights) {
    this.vocab = weights.table.length;
    this.table = tf.tensor2d(weights.table);
    this.bagWeight = weights.bagWeight ? tf.tensor2d(weights.bagWeight) : null;
    this.posWeight = weights.posWeight ? tf.tensor2d(weights.posWeight) : null;
    this.encWeight = weights.encWeight ? tf.tensor2d(weights.encWeight) : null;
  }

  private logits(ids: tf.Tensor2D, bag: tf.Tensor3D, positions: tf.Tensor2D, encoderHidden: tf.Tensor3D): tf.Tensor3D {
    const [n, t] = ids.shape;
    let out = tf.gather(this.table, ids).reshape([n, t, this.vocab]) as tf.Tensor3D;
    if (this.bagWeight) out = out.add(tf.matMul(bag.reshape([n * t, this.vocab]), this.bagWeight).reshape([n, t, this.vocab]));
    if (this.posWeight) out = out.add(tf.gather(this.posWeight, positions));
    if (this.encWeight) out = out.add(tf.matMul(encoderHidden.mean(1) as tf.Tensor2D, this.encWeight).reshape([n, 1, this.vocab]));
    return out;
  }

  forwardIncremental(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, past: DecoderCache | null): { logits: tf.Tensor3D; cache: DecoderCache } {
    this.calls++;
    const [n, t] = inputIds.shape;
    this.positions += n * t;
    const pastLength = past?.length ?? 0;
    return tf.tidy(() => {
      const oneHot = tf.oneHot(inputIds, this.vocab).toFloat().reshape([n, 1, t, this.vocab]) as tf.Tensor4D;
      const keys = past ? (tf.concat([past.keys[0]!, oneHot], 2) as tf.Tensor4D) : oneHot;
      const bag = tf.cumsum(keys.reshape([n, pastLength + t, this.vocab]), 1).slice([0, pastLength, 0], [n, t, this.vocab]) as tf.Tensor3D;
      const positions = tf.tensor2d(Array.from({ length: n }, () => Array.from({ length: t }, (_, i) => pastLength + i)), [n, t], 'int32');
      const logits = this.logits(inputIds, bag, positions, encoderHidden);
      return { logits, cache: { keys: [keys], values: [keys.clone()], length: pastLength + t } };
    });
  }

  /** Full forward with a padding mask: masked positions are left out of later bags. */
  forward = (inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, encoderHidden: tf.Tensor3D): tf.Tensor3D => {
    this.calls++;
    const [n, t] = inputIds.shape;
    this.positions += n * t;
    return tf.tidy(() => {
      const oneHot = tf.oneHot(inputIds, this.vocab).toFloat().mul(attentionMask.toFloat().expandDims(2));
      const bag = tf.cumsum(oneHot, 1) as tf.Tensor3D;
      const positions = tf.tensor2d(Array.from({ length: n }, () => Array.from({ length: t }, (_, i) => i)), [n, t], 'int32');
      return this.logits(inputIds, bag, positions, encoderHidden);
    });
  };

  dispose(): void {
    for (const w of [this.table, this.bagWeight, this.posWeight, this.encWeight]) w?.dispose();
  }
}

/** Deterministic pseudo-random integers in [lo, hi] (LCG), for toy weights. */
export function seededInts(seed: number, count: number, lo: number, hi: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + (state % (hi - lo + 1));
  });
}

export function seededMatrix(seed: number, rows: number, cols: number, lo: number, hi: number): number[][] {
  const values = seededInts(seed, rows * cols, lo, hi);
  return Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols));
}
