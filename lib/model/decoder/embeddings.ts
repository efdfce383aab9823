import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { TextDecoderConfig } from './config.js';
import { lookupEmbeddingRows } from './lookup.js';
import type { DecoderDropout } from './dropout.js';

/**
 * `RobertaEmbeddings`: `word[ids] + token_type[0] + position[position_ids]`, then LayerNorm (dropout is off).
 * Parameter names under `prefix` are the official ones (`word_embeddings.weight`, ..., `LayerNorm.*`) plus the
 * `position_ids` buffer that official checkpoints carry (an arange, unused by the forward pass).
 */
export class DecoderEmbeddings extends Module {
  readonly layerNorm: LayerNorm;

  constructor(store: ParameterStore, prefix: string, readonly config: TextDecoderConfig) {
    super(store, prefix);
    const { vocabSize, hiddenSize, maxPositionEmbeddings, typeVocabSize, padTokenId, initializerRange } = config;
    const arange = tf.tidy(() => tf.range(0, maxPositionEmbeddings).reshape([1, -1]));
    this.createBuffer('position_ids', [1, maxPositionEmbeddings], { values: arange });
    arange.dispose();
    this.createEmbedding('word_embeddings', vocabSize, hiddenSize, initializerRange, padTokenId);
    this.createEmbedding('position_embeddings', maxPositionEmbeddings, hiddenSize, initializerRange, padTokenId);
    this.createEmbedding('token_type_embeddings', typeVocabSize, hiddenSize, initializerRange, null);
    this.layerNorm = new LayerNorm(store, this.child('LayerNorm'), hiddenSize, config.layerNormEps);
  }

  /** The word-embedding table [V, H], shared with the LM head's output projection. */
  get wordEmbeddings(): tf.Variable {
    return this.parameter('word_embeddings.weight');
  }

  /** `inputIds` and `positionIds` int32 [N, t] → [N, t, H]. */
  apply(inputIds: tf.Tensor2D, positionIds: tf.Tensor2D, dropout?: DecoderDropout): tf.Tensor3D {
    return tf.tidy(() => {
      const maxPosition = this.config.maxPositionEmbeddings;
      const words = lookupEmbeddingRows(this.wordEmbeddings, inputIds);
      const tokenType = tf.slice(this.parameter('token_type_embeddings.weight'), [0, 0], [1, -1]);
      const positions = lookupEmbeddingRows(this.parameter('position_embeddings.weight'), positionIds, maxPosition);
      const normalised = this.layerNorm.apply(tf.add(tf.add(words, tokenType), positions) as tf.Tensor3D);
      return dropout ? dropout(normalised, 'hidden') as tf.Tensor3D : normalised;
    });
  }

  private createEmbedding(name: string, rows: number, width: number, std: number, paddingRow: number | null): void {
    const variable = this.createParameter(`${name}.weight`, [rows, width], { normal: std });
    if (paddingRow === null) return;
    // nn.Embedding(padding_idx) and HF `_init_weights` leave the padding row at zero.
    const zeroed = tf.tidy(() => {
      const keep = tf.oneHot(tf.tensor1d([paddingRow], 'int32'), rows).reshape([rows, 1]);
      return tf.mul(variable, tf.sub(1, keep));
    });
    variable.assign(zeroed);
    zeroed.dispose();
  }
}
