import type * as tf from '@tensorflow/tfjs';
import type { RankResult } from '../inference/rank.js';
import type { ExpertEncoderApplyOptions, ExpertInputs } from './encoder/expert-encoder.js';
import { Prismer, type DecoderTokenBatch, type PrismerForwardOptions, type PrismerLoss } from './prismer.js';
import { CAPTION_GENERATION, type GenerateOutput } from './generate.js';

/**
 * PrismerCaption (model/prismer_caption.py). Training: the caption batch of lib/text `captionTrainBatch`
 * (ids, mask, labels with pads and the prefix positions at -100); loss = mean over samples of the
 * label-smoothed loss summed per sample.
 */
export class PrismerCaption extends Prismer {
  /** Official `forward(experts, caption, train=True, prefix)`: per-sample losses and their mean. */
  captionLoss(inputs: ExpertInputs, batch: DecoderTokenBatch, options: PrismerForwardOptions = {}): PrismerLoss {
    return this.lossFromInputs(inputs, batch, null, options);
  }

  /** The same loss from an encoding already computed, batch-first [B, L, D]. */
  captionLossFromEncoding(encoderHidden: tf.Tensor3D, batch: DecoderTokenBatch, options: PrismerForwardOptions = {}): PrismerLoss {
    return this.lossFromEncoding(encoderHidden, batch, null, options);
  }

  /**
   * Official `inference='generate'`: beam search 3, max length 20, min length 8 from the prefix rows
   * (lib/text `captionPrefixBatch`: prefix ids without `</s>`). Decode the sequences with lib/text `decodeCaption`.
   */
  generateCaptions(inputs: ExpertInputs, prefix: { inputIds: number[][]; attentionMask: number[][] }, path: 'cached' | 'full' = 'cached'): GenerateOutput {
    return this.generateFrom(inputs, prefix, { ...CAPTION_GENERATION }, path);
  }

  /**
   * Official `inference='rank'`: score caption candidates (lib/text `captionAnswerBatch`: `' ' + a.lower() + '</s>'`)
   * after the prefix rows (`captionPrefixBatch`, no `</s>`), keeping the `kTest` best first tokens;
   * `maxIds[b]` is the chosen candidate index (lib/inference/rank.ts holds the arithmetic).
   */
  rank(inputs: ExpertInputs, prefix: { inputIds: number[][]; attentionMask: number[][] }, answers: { inputIds: number[][]; attentionMask: number[][] }, kTest: number, encoder: ExpertEncoderApplyOptions = {}): RankResult {
    const hidden = this.encode(inputs, encoder);
    try {
      return this.rankFromEncoding(hidden, prefix, answers, kTest);
    } finally {
      hidden.dispose();
    }
  }
}
