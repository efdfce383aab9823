import * as tf from '@tensorflow/tfjs';
import { quickGelu } from '../../nn/activations.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { MultiheadAttention } from '../../nn/multihead-attention.js';
import type { ParameterStore } from '../../nn/parameters.js';
import { Adaptor } from './adaptor.js';
import type { EncoderCapture } from './capture.js';
import { attentionHook, type AttentionRecorder } from '../attention.js';

/**
 * CLIP's `ResidualAttentionBlock` (`resblocks.{i}.0`): called twice per layer, first in 'attention'
 * mode `x + attn(ln_1(x))`, then in 'mlp' mode `x + c_proj(quick_gelu(c_fc(ln_2(x))))`.
 */
export class ResidualAttentionBlock extends Module {
  readonly attn: MultiheadAttention;
  readonly fc: Linear;
  readonly proj: Linear;
  readonly ln1: LayerNorm;
  readonly ln2: LayerNorm;

  constructor(store: ParameterStore, prefix: string, readonly width: number, heads: number) {
    super(store, prefix);
    this.attn = new MultiheadAttention(store, this.child('attn'), width, heads);
    this.fc = new Linear(store, this.child('mlp.c_fc'), width, 4 * width, { std: 1 / Math.sqrt(3 * width) });
    this.proj = new Linear(store, this.child('mlp.c_proj'), 4 * width, width, { std: 1 / Math.sqrt(12 * width) });
    this.ln1 = new LayerNorm(store, this.child('ln_1'), width);
    this.ln2 = new LayerNorm(store, this.child('ln_2'), width);
  }

  /** x [L, B, D] → x + attn(ln_1(x)); `onWeights` sees the attention probabilities [B, H, L, L]. */
  attention(x: tf.Tensor3D, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    return tf.tidy(() => {
      const { output, weights } = this.attn.apply(this.ln1.apply(x), undefined, undefined, { returnWeights: onWeights !== undefined, residual: x });
      if (weights) {
        onWeights!(weights);
        weights.dispose();
      }
      return output;
    });
  }

  /** x [L, B, D] → x + mlp(ln_2(x)). */
  mlp(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => this.proj.applyAdd(quickGelu(this.fc.apply(this.ln2.apply(x))), x));
  }
}

/** Prismer's ViT trunk: per layer `attention → adaptor (norm early) → mlp` on sequence-first [L, B, D]. */
export class VisionTransformerTrunk extends Module {
  readonly blocks: ResidualAttentionBlock[] = [];
  readonly adaptors: Adaptor[] = [];

  constructor(store: ParameterStore, prefix: string, readonly width: number, readonly layers: number, readonly heads: number) {
    super(store, prefix);
    for (let i = 0; i < layers; i++) {
      this.blocks.push(new ResidualAttentionBlock(store, this.child(`resblocks.${i}.0`), width, heads));
      this.adaptors.push(new Adaptor(store, this.child(`resblocks.${i}.1`), width, false));
    }
  }

  /**
   * Sets the output projection of every residual branch (attention `out_proj`, MLP `c_proj`, adaptor `up_proj`) to
   * zero, so the trunk passes its input through unchanged until those projections train (see
   * `ExpertEncoder.initStructured`).
   */
  zeroResidualBranches(): void {
    const projections = [...this.blocks.flatMap((block) => [block.attn.outProj, block.proj]), ...this.adaptors.map((adaptor) => adaptor.upProj)];
    for (const linear of projections) {
      for (const name of linear.hasBias ? ['weight', 'bias'] : ['weight']) {
        const variable = this.store.get(`${linear.prefix}.${name}`);
        tf.tidy(() => variable.assign(tf.zerosLike(variable)));
      }
    }
  }

  apply(x: tf.Tensor3D, capture?: EncoderCapture, attention?: AttentionRecorder): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      for (let i = 0; i < this.layers; i++) {
        h = this.adaptors[i]!.apply(this.blocks[i]!.attention(h, attentionHook(attention, { kind: 'vit', layer: i })));
        capture?.record(`enc.vit_layer${i}_after_adaptor`, h);
        h = this.blocks[i]!.mlp(h);
      }
      return h;
    });
  }
}
