import type * as tf from '@tensorflow/tfjs';
import type { Prismer } from '../model/prismer.js';
import { reorderTextDecoderCache } from '../model/decoder/index.js';
import type { DecoderForward, GenerationModel } from '../model/beam-search-steps.js';

/**
 * The two ways generation can drive a Prismer text decoder: 'cached' (KV cache, one token per step,
 * cross-attention keys/values of the encoder output computed once) or 'full' (the official behaviour:
 * re-forward the whole sequence every step). Both give the same tokens.
 */
export function prismerGenerationModel(model: Prismer, mode: 'cached' | 'full' = 'cached'): GenerationModel {
  const decoder = model.textDecoder;
  const withEncoder = <T>(encoderHidden: tf.Tensor3D, body: () => T): T => decoder.withCrossAttentionCache(encoderHidden, body);
  if (mode === 'full') return { kind: 'full', forward: prismerDecoderForward(model), withEncoder };
  return { kind: 'cached', decoder, acceptsPromptMask: true, reorderCache: reorderTextDecoderCache, withEncoder };
}

/** The decoder's full forward as a callback (logits only), for ranking and the uncached path. */
export function prismerDecoderForward(model: Prismer): DecoderForward {
  return (inputIds, attentionMask, encoderHidden) => model.textDecoder.forward(inputIds, encoderHidden, { attentionMask }).logits;
}
