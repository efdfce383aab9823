import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { MultiheadAttention } from '../../nn/multihead-attention.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { EncoderCapture } from './capture.js';
import { attentionHook, type AttentionRecorder } from '../attention.js';

/**
 * `PerceiverAttentionBlock`: `lat += MHA(q=ln_1(lat), k=v=cat([ln_1(lat), ln_2(x)]))`, then
 * `lat += c_proj(sq_relu(c_fc(ln_ff(lat))))`. Sequence-first tensors.
 */
export class PerceiverAttentionBlock extends Module {
  readonly attn: MultiheadAttention;
  readonly fc: Linear;
  readonly proj: Linear;
  readonly ln1: LayerNorm;
  readonly ln2: LayerNorm;
  readonly lnFf: LayerNorm;

  constructor(store: ParameterStore, prefix: string, readonly width: number, heads: number) {
    super(store, prefix);
    this.attn = new MultiheadAttention(store, this.child('attn'), width, heads);
    this.fc = new Linear(store, this.child('mlp.c_fc'), width, 4 * width, { std: 1 / Math.sqrt(3 * width) });
    this.proj = new Linear(store, this.child('mlp.c_proj'), 4 * width, width, { std: 1 / Math.sqrt(12 * width) });
    this.ln1 = new LayerNorm(store, this.child('ln_1'), width);
    this.ln2 = new LayerNorm(store, this.child('ln_2'), width);
    this.lnFf = new LayerNorm(store, this.child('ln_ff'), width);
  }

  /** x: expert tokens [Le, B, D]; latents [Nl, B, D] → new latents [Nl, B, D]. `onWeights` sees [B, H, Nl, Nl + Le]. */
  apply(x: tf.Tensor3D, latents: tf.Tensor3D, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    return tf.tidy(() => {
      const q = this.ln1.apply(latents);
      const kv = tf.concat([q, this.ln2.apply(x)], 0);
      const { output: attended, weights } = this.attn.apply(q, kv, kv, { returnWeights: onWeights !== undefined, residual: latents });
      if (weights) {
        onWeights!(weights);
        weights.dispose();
      }
      return this.proj.applyAdd(this.fc.applySquaredRelu(this.lnFf.apply(attended)), attended);
    });
  }
}

/** Prismer's `PerceiverResampler`: learned latents [Nl, D] attend to the expert tokens; no final LayerNorm. */
export class PerceiverResampler extends Module {
  readonly blocks: PerceiverAttentionBlock[] = [];

  constructor(store: ParameterStore, prefix: string, readonly width: number, readonly layers = 4, readonly heads = 8, readonly numLatents = 64) {
    super(store, prefix);
    this.createParameter('latents', [numLatents, width], { normal: width ** -0.5 });
    for (let i = 0; i < layers; i++) this.blocks.push(new PerceiverAttentionBlock(store, this.child(`perceiver_blocks.${i}`), width, heads));
  }

  /** x: expert tokens [Le, B, D] → latents [Nl, B, D]. */
  apply(x: tf.Tensor3D, capture?: EncoderCapture, attention?: AttentionRecorder): tf.Tensor3D {
    if (x.rank !== 3 || x.shape[2] !== this.width) throw new Error(`${this.prefix}: input has shape [${x.shape.join(', ')}], expected [L, B, ${this.width}]`);
    return tf.tidy(() => {
      const batch = x.shape[1];
      let latents = tf.tile(tf.expandDims(this.parameter('latents'), 1), [1, batch, 1]) as tf.Tensor3D;
      this.blocks.forEach((block, i) => {
        latents = block.apply(x, latents, attentionHook(attention, { kind: 'resampler', block: i }));
        capture?.record(`enc.resampler_block${i}_out`, latents);
      });
      return latents;
    });
  }
}
