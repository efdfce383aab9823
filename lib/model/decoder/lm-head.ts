import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { matMulWeightT } from '../../nn/weight-matmul.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { gelu } from '../../nn/activations.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { TextDecoderConfig } from './config.js';

/**
 * `RobertaLMHead` with tied output weights: `LN(gelu(dense(h))) @ word_embeddings^T + bias`. Only `dense.*`,
 * `layer_norm.*` and `bias` are parameters here; the official `decoder.weight` / `decoder.bias` are aliases of
 * the word embeddings and of `bias` (see TEXT_DECODER_TIED_ALIASES).
 */
export class LmHead extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(store: ParameterStore, prefix: string, config: TextDecoderConfig, private readonly wordEmbeddings: () => tf.Variable) {
    super(store, prefix);
    this.createParameter('bias', [config.vocabSize], 'zeros'); // first, as in the official state_dict order
    this.dense = new Linear(store, this.child('dense'), config.hiddenSize, config.hiddenSize, { std: config.initializerRange });
    this.layerNorm = new LayerNorm(store, this.child('layer_norm'), config.hiddenSize, config.layerNormEps);
  }

  /** [N, t, H] → logits [N, t, V]. */
  apply(hidden: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, length, width] = hidden.shape;
      const features = this.layerNorm.apply(gelu(this.dense.apply(hidden))).reshape([batch * length, width]) as tf.Tensor2D;
      const table = this.wordEmbeddings();
      const logits = tf.add(matMulWeightT(features, table), this.parameter('bias'));
      return logits.reshape([batch, length, table.shape[0]!]) as tf.Tensor3D;
    });
  }

}
