import * as tf from '@tensorflow/tfjs';
import type { TextDecoderConfig } from './config.js';

/** Where HF RoBERTa applies dropout: `hidden` (embeddings, attention/FFN outputs) or `attention` (probabilities). */
export type DropoutSite = 'hidden' | 'attention';

/** Applies training-mode dropout at a site; absent in eval mode. */
export type DecoderDropout = (x: tf.Tensor, site: DropoutSite) => tf.Tensor;

/**
 * The decoder's training-mode dropout (inverted dropout, as torch). With `seed`, successive calls draw
 * from seeds `seed, seed + 1, ...`, so a forward pass is reproducible.
 */
export function decoderDropout(config: TextDecoderConfig, seed?: number): DecoderDropout {
  const rates: Record<DropoutSite, number> = { hidden: config.hiddenDropoutProb ?? 0.1, attention: config.attentionProbsDropoutProb ?? 0.1 };
  let next = seed;
  return (x, site) => {
    const rate = rates[site];
    if (rate === 0) return x;
    const drawSeed = next === undefined ? undefined : next++;
    return tf.dropout(x, rate, undefined, drawSeed);
  };
}
