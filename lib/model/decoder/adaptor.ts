import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { TextDecoderConfig } from './config.js';

/**
 * Prismer's decoder adaptor, `Adaptor(norm_late=True)`: `LN(up_proj(sq_relu(down_proj(h))) + h)`, where
 * down_proj keeps the width (E → E). Names under `prefix`: `adaptor.down_proj.*`, `adaptor.up_proj.*`, `adaptor_ln.*`.
 */
export class NormLateAdaptor extends Module {
  readonly down: Linear;
  readonly up: Linear;
  readonly layerNorm: LayerNorm;

  constructor(store: ParameterStore, prefix: string, config: TextDecoderConfig) {
    super(store, prefix);
    const width = config.hiddenSize;
    this.down = new Linear(store, this.child('adaptor.down_proj'), width, width, { std: config.initializerRange });
    this.up = new Linear(store, this.child('adaptor.up_proj'), width, width, { std: config.initializerRange });
    // utils.Adaptor builds its LayerNorm with the default eps (1e-5), whatever the RoBERTa config says.
    this.layerNorm = new LayerNorm(store, this.child('adaptor_ln'), width, 1e-5);
  }

  apply(hidden: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => this.layerNorm.apply(this.up.applyAdd(this.down.applySquaredRelu(hidden), hidden)));
  }
}
