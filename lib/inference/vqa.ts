import * as tf from '@tensorflow/tfjs';
import { generate, vqaGeneration } from '../model/generate.js';
import { disposeExpertInputs } from '../model/prismer-inputs.js';
import type { ExpertInputs } from '../model/encoder/expert-encoder.js';
import { preQuestion } from '../text/preprocess.js';
import { decodeVqaAnswer, vqaAnswerBatch, vqaQuestionBatch } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { generatedText, type GeneratedText } from './captioner.js';
import { batchToModelInputs, loadImageBatch } from './image-inputs.js';
import type { LoadedPrismer } from './official-models.js';
import { rankAnswers } from './rank.js';

/**
 * Visual question answering as the official PrismerVQA: questions cleaned by `pre_question` (max 30
 * words, as the official VQA test loader does), then either 'rank' over an answer list (official default,
 * k_test 16) or 'generate' (3 beams, length_penalty -1, max = question width + 10, min = width + 2).
 */

export interface VqaResult extends GeneratedText {
  question: string;
  image?: string;
  /** Rank mode: the k candidates kept by first-token probability, with their mean log-probability, best first. */
  candidates?: Array<{ answer: string; score: number }>;
  /** Generate mode: every finished beam hypothesis, best first. */
  beams?: GeneratedText[];
}

export interface VqaOptions {
  /** Candidate answers: rank mode. Without them: generate mode. */
  answers?: readonly string[];
  /** Candidates kept after the first-token filter (official 16). */
  kTest?: number;
  /** 'cached' (default) or 'full' decoding in generate mode. */
  decoding?: 'cached' | 'full';
  /** Apply the official `pre_question` cleaning (default true). */
  cleanQuestions?: boolean;
}

export class VqaAnswerer {
  constructor(readonly loaded: LoadedPrismer, readonly options: VqaOptions = {}) {}

  get tokenizer(): TextTokenizer {
    return this.loaded.tokenizer;
  }

  private clean(questions: readonly string[]): string[] {
    return this.options.cleanQuestions === false ? [...questions] : questions.map((q) => preQuestion(q, 30));
  }

  /** Answers for an encoder output [B, L, D] and one question per row. */
  answerEncoded(encoderHidden: tf.Tensor3D, questions: readonly string[]): VqaResult[] {
    if (questions.length !== encoderHidden.shape[0]) throw new Error(`VqaAnswerer: ${questions.length} questions for ${encoderHidden.shape[0]} images`);
    const cleaned = this.clean(questions);
    const batch = vqaQuestionBatch(this.tokenizer, cleaned);
    const answers = this.options.answers;
    if (answers && answers.length > 0) {
      const answerBatch = vqaAnswerBatch(this.tokenizer, answers);
      const result = rankAnswers(this.loaded.model.rankDecoder(), encoderHidden, batch, answerBatch, { kTest: this.options.kTest ?? 16, padId: this.tokenizer.padId });
      return cleaned.map((question, b) => {
        const order = result.topkIds[b]!.map((c, j) => ({ answer: answers[c]!, score: result.logProbsSum[b]![j]! }));
        order.sort((x, y) => y.score - x.score);
        const chosen = result.maxIds[b]!;
        const ids = answerBatch.inputIds[chosen]!.filter((id) => id !== this.tokenizer.padId);
        const score = result.logProbsSum[b]![result.topkIds[b]!.indexOf(chosen)]!;
        return { question, text: answers[chosen]!, score, tokenIds: ids, tokens: ids.map((id) => this.tokenizer.idToToken(id) ?? `<${id}>`), candidates: order };
      });
    }
    const width = batch.inputIds[0]!.length;
    const out = generate(this.loaded.model.generationModel(this.options.decoding ?? 'cached'), batch.inputIds, batch.attentionMask, encoderHidden, {
      ...vqaGeneration(width), eosTokenId: this.tokenizer.eosId, padTokenId: this.tokenizer.padId,
    });
    return cleaned.map((question, b) => ({
      question,
      ...generatedText(this.tokenizer, out.sequences[b]!, width, out.sequenceScores[b]!, decodeVqaAnswer(this.tokenizer, out.sequences[b]!, width)),
      beams: out.hypotheses[b]!.map((h) => generatedText(this.tokenizer, h.ids, width, h.score, decodeVqaAnswer(this.tokenizer, h.ids, width))),
    }));
  }

  /** Answers for model input tensors (not disposed). */
  answerInputs(inputs: ExpertInputs, questions: readonly string[]): VqaResult[] {
    const hidden = this.loaded.model.encode(inputs);
    try {
      return this.answerEncoded(hidden, questions);
    } finally {
      hidden.dispose();
    }
  }

  /** Answers question(s) about one image file (labels from `labelPath` for models with experts). */
  async answer(image: string, question: string | readonly string[], options: { labelPath?: string; allowMissingLabels?: boolean } = {}): Promise<VqaResult[]> {
    const questions = typeof question === 'string' ? [question] : [...question];
    const batch = await loadImageBatch([image], { experts: this.loaded.spec.experts, resolution: this.loaded.spec.imageResolution, ...options });
    const inputs = batchToModelInputs(batch);
    try {
      const hidden = this.loaded.model.encode(inputs);
      const repeated = tf.tidy(() => tf.gather(hidden, tf.zeros([questions.length], 'int32')) as tf.Tensor3D);
      hidden.dispose();
      try {
        return this.answerEncoded(repeated, questions).map((r) => ({ ...r, image }));
      } finally {
        repeated.dispose();
      }
    } finally {
      disposeExpertInputs(inputs);
    }
  }
}
