import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, fusedAvailable, fusedLayerNorm } from './fused.js';
import { Module } from './module.js';
import type { ParameterStore } from './parameters.js';

/** PyTorch `nn.LayerNorm` over the last axis (biased variance, eps inside the square root). */
export class LayerNorm extends Module {
  constructor(store: ParameterStore, prefix: string, readonly features: number, readonly eps = 1e-5) {
    super(store, prefix);
    this.createParameter('weight', [features], 'ones');
    this.createParameter('bias', [features], 'zeros');
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      if (x.shape[axis] !== this.features) throw new Error(`${this.prefix}: input has ${x.shape[axis]} features, expected ${this.features}`);
      if (x.dtype === 'float32' && fusedAvailable(FUSED_KERNELS.layerNorm)) return fusedLayerNorm(x, this.parameter('weight'), this.parameter('bias'), this.eps);
      const centred = tf.sub(x, tf.mean(x, axis, true));
      const variance = tf.mean(tf.square(centred), axis, true);
      const normalised = tf.mul(centred, tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normalised, this.parameter('weight')), this.parameter('bias')) as T;
    });
  }
}
