import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, fusedAttention, fusedAvailable, type HeadView } from './fused.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { ParameterStore } from './parameters.js';
import { batchedMatMul, linearWeightT } from './weight-matmul.js';

export interface AttentionResult {
  /** [Lq, B, E], sequence-first. */
  output: tf.Tensor3D;
  /** Attention probabilities [B, H, Lq, Lk], only when asked for with `returnWeights`. */
  weights?: tf.Tensor4D;
}

/**
 * PyTorch `nn.MultiheadAttention(E, H)` with batch_first=False and no mask: inputs and output are
 * sequence-first [L, B, E]. `in_proj_weight` [3E, E] packs the q | k | v projections (rows), heads are
 * contiguous E/H slices, q is scaled by 1/sqrt(E/H) BEFORE `q @ k^T`, softmax, `@ v`, `out_proj`.
 * Self-attention (key === value === query) uses one packed projection matmul; key === value uses one
 * packed k|v matmul, as torch does.
 */
export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly outProj: Linear;

  constructor(store: ParameterStore, prefix: string, readonly embedDim: number, readonly numHeads: number) {
    super(store, prefix);
    if (embedDim % numHeads !== 0) throw new Error(`${prefix}: embed dim ${embedDim} is not divisible by ${numHeads} heads`);
    this.headDim = embedDim / numHeads;
    // xavier_uniform over the packed [3E, E] matrix, zero biases (torch `_reset_parameters`).
    this.createParameter('in_proj_weight', [3 * embedDim, embedDim], { uniform: Math.sqrt(6 / (4 * embedDim)) });
    this.createParameter('in_proj_bias', [3 * embedDim], 'zeros');
    this.outProj = new Linear(store, this.child('out_proj'), embedDim, embedDim, { std: 1 / Math.sqrt(3 * embedDim) });
  }

  /**
   * query [Lq, B, E]; key and value [Lk, B, E] (default: the query). `residual` [Lq, B, E], when given, is added to
   * the output (a residual connection; fused into the output projection's GEMM where the backend can).
   */
  apply(query: tf.Tensor3D, key: tf.Tensor3D = query, value: tf.Tensor3D = key, options: { returnWeights?: boolean; residual?: tf.Tensor3D } = {}): AttentionResult {
    const E = this.embedDim;
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.rank !== 3 || t.shape[2] !== E) throw new Error(`${this.prefix}: ${name} has shape [${t.shape.join(', ')}], expected [L, B, ${E}]`);
    }
    if (key.shape[1] !== query.shape[1] || value.shape[1] !== query.shape[1] || key.shape[0] !== value.shape[0]) {
      throw new Error(`${this.prefix}: query [${query.shape.join(', ')}], key [${key.shape.join(', ')}] and value [${value.shape.join(', ')}] disagree on batch or length`);
    }
    let weights: tf.Tensor4D | undefined;
    const output = tf.tidy(() => {
      const [lq, b] = query.shape;
      const lk = key.shape[0];
      const H = this.numHeads;
      const d = this.headDim;
      const [q, k, v] = this.project(query, key, value);
      if (lk > 0 && fusedAvailable(FUSED_KERNELS.attention)) {
        // A projection column block of a [L·B, width] matrix: row l·B + b, heads side by side.
        const view = (p: Projection): HeadView => ({ tensor: p.matrix, offset: p.column, batchStride: p.matrix.shape[1], headStride: d, rowStride: b * p.matrix.shape[1] });
        const { context, probs } = fusedAttention({
          q: view(q), k: view(k), v: view(v), batch: b, heads: H, queryLength: lq, keyLength: lk, headDim: d, scale: 1 / Math.sqrt(d), layout: 'sequence-first',
          withProbs: options.returnWeights === true,
        });
        if (probs) weights = tf.keep(probs);
        return options.residual ? this.outProj.applyAdd(context, options.residual) : this.outProj.apply(context);
      }
      const [qm, km, vm] = separate([q, k, v]);
      // [L, B, E] → [B, H, L, d] → [B*H, L, d]
      const heads = (t: tf.Tensor2D, l: number) => tf.transpose(tf.reshape(t, [l, b, H, d]), [1, 2, 0, 3]).reshape([b * H, l, d]) as tf.Tensor3D;
      const qh = tf.mul(heads(qm!, lq), 1 / Math.sqrt(d)) as tf.Tensor3D;
      const probs = tf.softmax(batchedMatMul(qh, heads(km!, lk), true)) as tf.Tensor3D;
      if (options.returnWeights) weights = tf.keep(tf.reshape(probs, [b, H, lq, lk]) as tf.Tensor4D);
      const context = batchedMatMul(probs, heads(vm!, lk)); // [B*H, Lq, d]
      const merged = tf.transpose(tf.reshape(context, [b, H, lq, d]), [2, 0, 1, 3]).reshape([lq, b, E]) as tf.Tensor3D;
      return options.residual ? this.outProj.applyAdd(merged, options.residual) : this.outProj.apply(merged);
    });
    return weights ? { output, weights } : { output };
  }

  /** q, k and v as column blocks of [L*B, width] matrices (one packed matrix when inputs coincide, as torch packs them). */
  private project(query: tf.Tensor3D, key: tf.Tensor3D, value: tf.Tensor3D): [Projection, Projection, Projection] {
    const E = this.embedDim;
    const w = this.parameter('in_proj_weight') as tf.Tensor2D;
    const bias = this.parameter('in_proj_bias') as tf.Tensor1D;
    const flat = (t: tf.Tensor3D) => tf.reshape(t, [-1, E]) as tf.Tensor2D;
    const linear = (x: tf.Tensor2D, rows: number, count: number) => {
      const bPart = count === 3 ? bias : (tf.slice(bias, [rows], [count * E]) as tf.Tensor1D);
      return linearWeightT(x, w, bPart, rows, count * E);
    };
    const blocks = (matrix: tf.Tensor2D, count: number) => Array.from({ length: count }, (_, i) => ({ matrix, column: i * E, width: E }));
    if (key === query && value === query) {
      const [q, k, v] = blocks(linear(flat(query), 0, 3), 3);
      return [q!, k!, v!];
    }
    const [q] = blocks(linear(flat(query), 0, 1), 1);
    if (key === value) {
      const [k, v] = blocks(linear(flat(key), E, 2), 2);
      return [q!, k!, v!];
    }
    return [q!, blocks(linear(flat(key), E, 1), 1)[0]!, blocks(linear(flat(value), 2 * E, 1), 1)[0]!];
  }
}

/** Columns [column, column + width) of a projection matrix [L*B, ·]. */
interface Projection {
  matrix: tf.Tensor2D;
  column: number;
  width: number;
}

/** Each projection as its own matrix; a packed matrix is split once (one kernel, as before the fused path). */
function separate(projections: Projection[]): tf.Tensor2D[] {
  const parts = new Map<tf.Tensor2D, tf.Tensor2D[]>();
  return projections.map((p) => {
    const blocks = p.matrix.shape[1] / p.width;
    if (blocks === 1) return p.matrix;
    if (!parts.has(p.matrix)) parts.set(p.matrix, tf.split(p.matrix, blocks, 1) as tf.Tensor2D[]);
    return parts.get(p.matrix)![p.column / p.width]!;
  });
}
