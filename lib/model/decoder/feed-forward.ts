import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { gelu } from '../../nn/activations.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { TextDecoderConfig } from './config.js';
import type { DecoderDropout } from './dropout.js';

/**
 * RoBERTa FFN (`RobertaIntermediate` + `RobertaOutput`): `LN(dense(gelu(dense(h))) + h)` with exact erf GELU.
 * Names under `prefix` (a `RobertaLayer`): `intermediate.dense.*`, `output.dense.*`, `output.LayerNorm.*`.
 */
export class DecoderFeedForward extends Module {
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly layerNorm: LayerNorm;

  constructor(store: ParameterStore, prefix: string, config: TextDecoderConfig) {
    super(store, prefix);
    const std = config.initializerRange;
    this.intermediate = new Linear(store, this.child('intermediate.dense'), config.hiddenSize, config.intermediateSize, { std });
    this.output = new Linear(store, this.child('output.dense'), config.intermediateSize, config.hiddenSize, { std });
    this.layerNorm = new LayerNorm(store, this.child('output.LayerNorm'), config.hiddenSize, config.layerNormEps);
  }

  apply(hidden: tf.Tensor3D, dropout?: DecoderDropout): tf.Tensor3D {
    return tf.tidy(() => {
      const activated = gelu(this.intermediate.apply(hidden));
      if (!dropout) return this.layerNorm.apply(this.output.applyAdd(activated, hidden));
      return this.layerNorm.apply(tf.add(dropout(this.output.apply(activated), 'hidden'), hidden) as tf.Tensor3D);
    });
  }
}
