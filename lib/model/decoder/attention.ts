import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { batchedMatMul, linearTransposed } from '../../nn/weight-matmul.js';
import { FUSED_KERNELS, fusedAttention, fusedAvailable, type HeadView } from '../../nn/fused.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { TextDecoderConfig } from './config.js';
import { FLOAT32_MIN } from './masks.js';
import type { DecoderDropout } from './dropout.js';

/** Keys and values of one attention layer, [N, heads, s, headDim]. */
export interface AttentionKeyValues {
  keys: tf.Tensor4D;
  values: tf.Tensor4D;
}

/**
 * `RobertaAttention` (self- or cross-attention) followed by its `RobertaSelfOutput`:
 * `LN(dense(attn(h)) + h)`. Cross-attention projects keys/values from the vision width. Names under `prefix`:
 * `self.{query,key,value}.*`, `output.dense.*`, `output.LayerNorm.*`.
 */
export class DecoderAttention extends Module {
  readonly queryProjection: Linear;
  readonly keyProjection: Linear;
  readonly valueProjection: Linear;
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly heads: number;
  readonly headDim: number;

  constructor(store: ParameterStore, prefix: string, config: TextDecoderConfig, readonly isCrossAttention: boolean) {
    super(store, prefix);
    const width = config.hiddenSize;
    const sourceWidth = isCrossAttention ? config.visionHiddenSize : width;
    const std = config.initializerRange;
    this.heads = config.numAttentionHeads;
    this.headDim = width / this.heads;
    this.queryProjection = new Linear(store, this.child('self.query'), width, width, { std });
    this.keyProjection = new Linear(store, this.child('self.key'), sourceWidth, width, { std });
    this.valueProjection = new Linear(store, this.child('self.value'), sourceWidth, width, { std });
    this.dense = new Linear(store, this.child('output.dense'), width, width, { std });
    this.layerNorm = new LayerNorm(store, this.child('output.LayerNorm'), width, config.layerNormEps);
  }

  /** Projects `source` [N, s, D] to per-head keys and values (the part a cache can keep). */
  projectKeyValues(source: tf.Tensor3D): AttentionKeyValues {
    return tf.tidy(() => ({ keys: this.splitHeads(this.keyProjection.apply(source)), values: this.splitHeads(this.valueProjection.apply(source)) }));
  }

  /**
   * `hidden` [N, t, H] attends to `keyValues` (self-attention: the projection of past + current positions;
   * cross-attention: of the encoder output). `mask` is the additive extended mask [N, 1, t, s] or null (no
   * mask, as the cross-attention). Returns the post-LN residual output [N, t, H]. `dropout` is given in
   * training mode only.
   */
  attend(hidden: tf.Tensor3D, keyValues: AttentionKeyValues, mask: tf.Tensor4D | null, dropout?: DecoderDropout, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length] = hidden.shape;
      const keyLength = keyValues.keys.shape[2];
      if (!dropout && keyLength > 0 && fusedAvailable(FUSED_KERNELS.attention)) {
        const perHead = (tensor: tf.Tensor4D): HeadView => ({ tensor, offset: 0, batchStride: this.heads * keyLength * this.headDim, headStride: keyLength * this.headDim, rowStride: this.headDim });
        return this.fusedOutput(hidden, this.queryView(hidden), perHead(keyValues.keys), perHead(keyValues.values), keyLength, mask, onWeights);
      }
      const q = this.splitHeads(this.queryProjection.apply(hidden));
      const [, heads, , headDim] = q.shape;
      const flatHeads = (t: tf.Tensor4D): tf.Tensor3D => t.reshape([batch * heads, t.shape[2], headDim]) as tf.Tensor3D;
      // Scaled after the matmul (not q before it) as in roberta.py.
      const products = batchedMatMul(flatHeads(q), flatHeads(keyValues.keys), true).reshape([batch, heads, length, keyLength]);
      let scores = tf.div(products, Math.sqrt(this.headDim)) as tf.Tensor4D;
      if (mask) {
        scores = tf.add(scores, mask);
        scores = tf.maximum(scores, tf.scalar(FLOAT32_MIN));
      }
      let weights = tf.softmax(scores, -1) as tf.Tensor4D;
      onWeights?.(weights);
      if (dropout) weights = dropout(weights, 'attention') as tf.Tensor4D;
      const perHead = batchedMatMul(weights.reshape([batch * heads, length, keyLength]) as tf.Tensor3D, flatHeads(keyValues.values));
      const context = perHead.reshape([batch, heads, length, headDim]).transpose([0, 2, 1, 3]).reshape([batch, length, heads * headDim]) as tf.Tensor3D;
      let projected = this.dense.apply(context);
      if (dropout) projected = dropout(projected, 'hidden') as tf.Tensor3D;
      return this.layerNorm.apply(tf.add(projected, hidden) as tf.Tensor3D);
    });
  }

  /** LN(dense(attention context) + hidden) through the fused kernel, reading q, k and v through their views. */
  private fusedOutput(hidden: tf.Tensor3D, q: HeadView, k: HeadView, v: HeadView, keyLength: number, mask: tf.Tensor4D | null, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    const [batch, length] = hidden.shape;
    const { context, probs } = fusedAttention({
      q, k, v, batch, heads: this.heads, queryLength: length, keyLength, headDim: this.headDim, scale: 1 / Math.sqrt(this.headDim), mask, layout: 'batch-first',
      withProbs: onWeights !== undefined,
    });
    if (probs) onWeights?.(probs);
    return this.layerNorm.apply(this.dense.applyAdd(context, hidden));
  }

  /** The query projection of `hidden`, read in place as per-head views. */
  private queryView(hidden: tf.Tensor3D): HeadView {
    return this.tokenMajor(this.queryProjection.apply(hidden), 0, this.heads * this.headDim);
  }

  /** Head views into a token-major projection [N, s, rowWidth] whose heads start at column `offset`. */
  private tokenMajor(tensor: tf.Tensor3D, offset: number, rowWidth: number): HeadView {
    return { tensor, offset, batchStride: tensor.shape[1] * rowWidth, headStride: this.headDim, rowStride: rowWidth };
  }

  /**
   * Where the fused attention kernel runs (inference on the cuda backend): the projections that read the same input as one GEMM over their weights stacked — q|k|v for
   * self-attention, k|v of the encoder output for cross-attention — read in place by the attention kernel. The
   * stacked weights are kept by the store until a projection's parameters change. Same products, fewer launches:
   * the decoder is bound by the host's issue time there (bench/gpu.ts's host profile).
   */
  private packedOutput(hidden: tf.Tensor3D, source: tf.Tensor3D, mask: tf.Tensor4D | null, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    const width = this.heads * this.headDim;
    const self = source === hidden;
    const projections = self ? [this.queryProjection, this.keyProjection, this.valueProjection] : [this.keyProjection, this.valueProjection];
    const sources = projections.flatMap((p) => [this.store.get(`${p.prefix}.weight`), this.store.get(`${p.prefix}.bias`)]);
    const [weightT, bias] = this.store.derived(`${this.prefix}:${self ? 'qkv' : 'kv'}`, sources, () => [
      tf.transpose(tf.concat(sources.filter((_, i) => i % 2 === 0), 0)) as tf.Tensor2D,
      tf.concat(sources.filter((_, i) => i % 2 === 1), 0) as tf.Tensor1D,
    ] as [tf.Tensor2D, tf.Tensor1D]);
    const packed = linearTransposed(source, weightT, bias);
    const rowWidth = projections.length * width;
    const q = self ? this.tokenMajor(packed, 0, rowWidth) : this.queryView(hidden);
    const k = this.tokenMajor(packed, self ? width : 0, rowWidth), v = this.tokenMajor(packed, self ? 2 * width : width, rowWidth);
    return this.fusedOutput(hidden, q, k, v, source.shape[1], mask, onWeights);
  }

  /**
   * Full self-attention over `hidden` alone (no cache), or cross-attention to `source`. The fused kernel reads the
   * stacked projections in place (`packedOutput`), so no head split is materialised.
   */
  apply(hidden: tf.Tensor3D, mask: tf.Tensor4D | null, source: tf.Tensor3D = hidden, dropout?: DecoderDropout, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    return tf.tidy(() => {
      const keyLength = source.shape[1];
      if (!dropout && keyLength > 0 && fusedAvailable(FUSED_KERNELS.attention)) return this.packedOutput(hidden, source, mask, onWeights);
      return this.attend(hidden, this.projectKeyValues(source), mask, dropout, onWeights);
    });
  }

  private splitHeads(x: tf.Tensor3D): tf.Tensor4D {
    const [batch, length] = x.shape;
    return x.reshape([batch, length, this.heads, this.headDim]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  }
}
