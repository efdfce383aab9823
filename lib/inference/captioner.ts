import * as tf from '@tensorflow/tfjs';
import { CAPTION_GENERATION, generate } from '../model/generate.js';
import { disposeExpertInputs } from '../model/prismer-inputs.js';
import type { ExpertInputs } from '../model/encoder/expert-encoder.js';
import { captionAnswerBatch, captionPrefixBatch, CAPTION_PREFIX, stripCaptionPrefix } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { rankAnswers, type RankResult } from './rank.js';
import { batchToModelInputs, loadImageBatch } from './image-inputs.js';
import type { LoadedPrismer } from './official-models.js';

/**
 * Image captioning as the official PrismerCaption 'generate' path: prefix "A picture of" (without its
 * `</s>`), beam search with 3 beams, max length 20 and min length 8 (totals, prefix included), decode with
 * special tokens skipped, cut the prefix by length (`caption[len(prefix) + 1:]`).
 */

export interface GeneratedText {
  text: string;
  /** Beam score (length-penalised sum of log-probabilities); greedy: sum of log-probabilities. */
  score: number;
  /** Generated ids after the prompt (EOS included, pads dropped). */
  tokenIds: number[];
  /** Their vocabulary entries (byte-level BPE pieces). */
  tokens: string[];
}

export interface CaptionResult extends GeneratedText {
  /** Image path when captioned from a file. */
  image?: string;
  /** Every finished beam hypothesis, best first. */
  beams: GeneratedText[];
}

export interface CaptionerOptions {
  prefix?: string;
  numBeams?: number;
  maxLength?: number;
  minLength?: number;
  lengthPenalty?: number;
  /** 'cached' (default, KV cache) or 'full' (re-forward every step like the official code; same tokens, slower). */
  decoding?: 'cached' | 'full';
}

export interface ImageCaptionOptions {
  /** Expert labels root (official layout); required by models with experts. */
  labelPath?: string;
  allowMissingLabels?: boolean;
  /** Images per model call (default 4). */
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number, total: number) => void;
}

export function generatedText(tokenizer: TextTokenizer, row: readonly number[], promptWidth: number, score: number, text: string): GeneratedText {
  const tokenIds = row.slice(promptWidth).filter((id) => id !== tokenizer.padId);
  return { text, score, tokenIds, tokens: tokenIds.map((id) => tokenizer.idToToken(id) ?? `<${id}>`) };
}

export class Captioner {
  readonly options: Required<CaptionerOptions>;

  constructor(readonly loaded: LoadedPrismer, options: CaptionerOptions = {}) {
    this.options = {
      prefix: options.prefix ?? CAPTION_PREFIX,
      numBeams: options.numBeams ?? CAPTION_GENERATION.numBeams,
      maxLength: options.maxLength ?? CAPTION_GENERATION.maxLength,
      minLength: options.minLength ?? CAPTION_GENERATION.minLength,
      lengthPenalty: options.lengthPenalty ?? 1,
      decoding: options.decoding ?? 'cached',
    };
  }

  get tokenizer(): TextTokenizer {
    return this.loaded.tokenizer;
  }

  /** Captions from an encoder output already computed, batch-first [B, L, D]. */
  captionEncoded(encoderHidden: tf.Tensor3D): CaptionResult[] {
    const batch = encoderHidden.shape[0];
    const { prefix } = this.options;
    const start = captionPrefixBatch(this.tokenizer, prefix, batch);
    const out = generate(this.loaded.model.generationModel(this.options.decoding), start.inputIds, start.attentionMask, encoderHidden, {
      numBeams: this.options.numBeams, maxLength: this.options.maxLength, minLength: this.options.minLength,
      lengthPenalty: this.options.lengthPenalty, eosTokenId: this.tokenizer.eosId, padTokenId: this.tokenizer.padId,
    });
    const width = start.inputIds[0]!.length;
    const text = (ids: readonly number[]): string => stripCaptionPrefix(this.tokenizer.decode(ids, true), prefix);
    return out.sequences.map((row, b) => ({
      ...generatedText(this.tokenizer, row, width, out.sequenceScores[b]!, text(row)),
      beams: out.hypotheses[b]!.map((h) => generatedText(this.tokenizer, h.ids, width, h.score, text(h.ids))),
    }));
  }

  /** Captions of model input tensors (not disposed). */
  captionInputs(inputs: ExpertInputs): CaptionResult[] {
    const hidden = this.loaded.model.encode(inputs);
    try {
      return this.captionEncoded(hidden);
    } finally {
      hidden.dispose();
    }
  }

  /** Captions of image files (with expert labels from `labelPath` for models with experts). */
  async caption(images: string | readonly string[], options: ImageCaptionOptions = {}): Promise<CaptionResult[]> {
    const list = typeof images === 'string' ? [images] : [...images];
    const size = Math.max(1, options.batchSize ?? 4);
    const results: CaptionResult[] = [];
    for (let i = 0; i < list.length; i += size) {
      const chunk = list.slice(i, i + size);
      const batch = await loadImageBatch(chunk, { experts: this.loaded.spec.experts, resolution: this.loaded.spec.imageResolution, labelPath: options.labelPath, allowMissingLabels: options.allowMissingLabels });
      const inputs = batchToModelInputs(batch);
      try {
        this.captionInputs(inputs).forEach((r, j) => results.push({ ...r, image: chunk[j] }));
      } finally {
        disposeExpertInputs(inputs);
      }
      options.onProgress?.(Math.min(list.length, i + size), list.length);
    }
    return results;
  }

  /**
   * The official caption 'rank' inference: candidates `' ' + c.lower() + '</s>'` scored after the prefix;
   * returns the rank arithmetic and the chosen candidate per image.
   */
  rankEncoded(encoderHidden: tf.Tensor3D, candidates: readonly string[], kTest = candidates.length): RankResult & { answers: string[] } {
    const start = captionPrefixBatch(this.tokenizer, this.options.prefix, encoderHidden.shape[0]);
    const result = rankAnswers(this.loaded.model.rankDecoder(), encoderHidden, start, captionAnswerBatch(this.tokenizer, candidates), { kTest, padId: this.tokenizer.padId });
    return { ...result, answers: result.maxIds.map((i) => candidates[i]!) };
  }
}
