import type * as tf from '@tensorflow/tfjs';
import type { RankResult } from '../inference/rank.js';
import type { ExpertEncoderApplyOptions, ExpertInputs } from './encoder/expert-encoder.js';
import { Prismer, type DecoderTokenBatch, type PrismerForwardOptions, type PrismerLoss } from './prismer.js';
import { vqaGeneration, type GenerateOutput } from './generate.js';

/**
 * PrismerVQA (model/prismer_vqa.py). Training: the question+answer batch of lib/text `vqaTrainBatch`
 * (`'<s>' + question` then `' ' + answer + '</s>'`, pads of the question in the middle, labels only on the
 * answer columns); loss = mean over samples of `weight * per-sample loss`.
 */
export class PrismerVQA extends Prismer {
  /** Official `forward(experts, question, answer, weights, train=True)`: per-sample losses and the weighted mean. */
  vqaLoss(inputs: ExpertInputs, batch: DecoderTokenBatch, weights: readonly number[], options: PrismerForwardOptions = {}): PrismerLoss {
    return this.lossFromInputs(inputs, batch, weights, options);
  }

  /** The same loss from an encoding already computed, batch-first [B, L, D]. */
  vqaLossFromEncoding(encoderHidden: tf.Tensor3D, batch: DecoderTokenBatch, weights: readonly number[], options: PrismerForwardOptions = {}): PrismerLoss {
    return this.lossFromEncoding(encoderHidden, batch, weights, options);
  }

  /**
   * Official `inference='generate'`: beam search 3, length penalty -1, max = question width + 10, min = width + 2,
   * from the right-padded question rows (lib/text `vqaQuestionBatch`). Decode answers with lib/text `decodeVqaAnswer`.
   */
  generateAnswers(inputs: ExpertInputs, questions: { inputIds: number[][]; attentionMask: number[][] }, path: 'cached' | 'full' = 'cached'): GenerateOutput {
    return this.generateFrom(inputs, questions, vqaGeneration(questions.inputIds[0]?.length ?? 0), path);
  }

  /**
   * Official `inference='rank'`: score the `answers` candidates (lib/text `vqaAnswerBatch`: `' ' + a.capitalize()
   * + '</s>'`) after the right-padded `questions` (`vqaQuestionBatch`), keeping the `kTest` best first tokens;
   * `maxIds[b]` is the chosen candidate index (lib/inference/rank.ts holds the arithmetic).
   */
  rank(inputs: ExpertInputs, questions: { inputIds: number[][]; attentionMask: number[][] }, answers: { inputIds: number[][]; attentionMask: number[][] }, kTest: number, encoder: ExpertEncoderApplyOptions = {}): RankResult {
    const hidden = this.encode(inputs, encoder);
    try {
      return this.rankFromEncoding(hidden, questions, answers, kTest);
    } finally {
      hidden.dispose();
    }
  }
}
