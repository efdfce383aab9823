import type * as tf from '@tensorflow/tfjs';

/**
 * Cached self-attention keys/values of a decoder, one entry per layer (including the output layer).
 * Tensors are [N, heads, t, headDim]; the owner of a cache disposes it with `disposeCache`.
 */
export interface DecoderCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** Number of positions already cached (t). */
  length: number;
}

/**
 * A causal language model that can be run one step at a time, the contract between the text decoder
 * and generation (beam search, greedy). `encoderHidden` is [N, L, D] (already repeated per beam).
 */
export interface IncrementalDecoder {
  /**
   * Runs `inputIds` [N, t] (all positions attended, right after `past`) and returns logits for every
   * new position [N, t, V] and the extended cache. `past` is not disposed.
   */
  forwardIncremental(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, past: DecoderCache | null): { logits: tf.Tensor3D; cache: DecoderCache };
}

export function disposeCache(cache: DecoderCache | null): void {
  if (!cache) return;
  for (const t of cache.keys) t.dispose();
  for (const t of cache.values) t.dispose();
}
