import * as tf from '@tensorflow/tfjs';
import { beamSearch, repeatRows, type GenerateOutput } from './beam-search.js';
import type { EarlyStopping } from './beam-search-hypotheses.js';
import { createStepRunner, type GenerationModel } from './beam-search-steps.js';

/**
 * `generate()` as the official Prismer code calls transformers 4.26's: num_beams 1 → greedy search,
 * otherwise beam search (beam-search.ts). Lengths are totals including the prompt, like HF's.
 */

export interface GenerateOptions {
  /** Default 1 (greedy). */
  numBeams?: number;
  maxLength: number;
  /** Default 0. */
  minLength?: number;
  /** Default 1.0 (HF default). */
  lengthPenalty?: number;
  /** Default false (HF default). */
  earlyStopping?: EarlyStopping;
  /** RoBERTa: 2. */
  eosTokenId: number;
  /** RoBERTa: 1. */
  padTokenId: number;
}

/** The official captioning call: `generate(num_beams=3, max_length=20, min_length=8)` after the prefix. */
export const CAPTION_GENERATION = { numBeams: 3, maxLength: 20, minLength: 8 } as const;

/** The official VQA 'generate' call: max = question width + 10, min = width + 2, 3 beams, length_penalty -1. */
export function vqaGeneration(questionWidth: number): { numBeams: number; maxLength: number; minLength: number; lengthPenalty: number } {
  return { numBeams: 3, maxLength: questionWidth + 10, minLength: questionWidth + 2, lengthPenalty: -1 };
}

/**
 * HF 4.26 greedy search: argmax of the last logits (EOS at -inf while cur_len < min_length; exact ties →
 * lower token id), finished rows continue with pad, stop when every row has produced EOS or the length
 * reaches max_length. `sequenceScores` is the sum of the chosen tokens' log-probabilities (ours; HF
 * returns none), EOS included, pads excluded.
 */
export function greedySearch(model: GenerationModel, prompt: number[][], promptMask: number[][], encoderHidden: tf.Tensor3D, options: GenerateOptions): GenerateOutput {
  const rows = prompt.length;
  if (rows === 0) throw new Error('generate: empty prompt batch');
  let ids = prompt.map((r) => [...r]);
  let steps = 0;
  const unfinished = new Array<boolean>(rows).fill(true);
  const sums = new Array<number>(rows).fill(0);
  const loop = (): void => {
    const runner = createStepRunner(model, ids, promptMask, encoderHidden);
    try {
      let logits = runner.first();
      for (;;) {
        steps++;
        const tokens = chooseGreedy(logits, ids[0]!.length, unfinished, sums, options);
        logits.dispose();
        ids = ids.map((row, r) => [...row, tokens[r]!]);
        if (!unfinished.some(Boolean) || ids[0]!.length >= options.maxLength) break;
        logits = runner.next(tokens, null);
      }
    } finally {
      runner.dispose();
    }
  };
  if (model.withEncoder) model.withEncoder(encoderHidden, loop);
  else loop();
  return { sequences: ids, sequenceScores: sums, hypotheses: ids.map((row, r) => [{ ids: row, score: sums[r]!, sumLogProbs: sums[r]! }]), steps };
}

/** One greedy step: argmax per row (EOS at -inf below min_length), pads for finished rows; updates `unfinished` and the log-prob sums. */
function chooseGreedy(logits: tf.Tensor2D, curLen: number, unfinished: boolean[], sums: number[], options: GenerateOptions): number[] {
  const [rows, vocab] = logits.shape;
  const values = logits.dataSync() as Float32Array;
  const minLength = options.minLength ?? 0;
  const tokens = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    if (!unfinished[r]) {
      tokens[r] = options.padTokenId;
      continue;
    }
    const offset = r * vocab;
    let best = -1;
    let bestValue = -Infinity;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const raw = values[offset + v]!;
      max = Math.max(max, raw);
      const value = v === options.eosTokenId && curLen < minLength ? -Infinity : raw;
      if (best < 0 || value > bestValue) {
        best = v;
        bestValue = value;
      }
    }
    let sumExp = 0;
    for (let v = 0; v < vocab; v++) sumExp += Math.exp(values[offset + v]! - max);
    tokens[r] = best;
    sums[r] += values[offset + best]! - max - Math.log(sumExp);
    if (best === options.eosTokenId) unfinished[r] = false;
  }
  return tokens;
}

/**
 * Generates continuations of `prompt` rows ([B][T] ids with `promptMask`, right-padded) given the encoder
 * output [B, L, D] (repeated per beam inside, computed once by the caller). Does not dispose `encoderHidden`.
 */
export function generate(model: GenerationModel, prompt: number[][], promptMask: number[][], encoderHidden: tf.Tensor3D, options: GenerateOptions): GenerateOutput {
  if (prompt.length !== promptMask.length || prompt.some((r, i) => r.length !== promptMask[i]!.length || r.length !== prompt[0]!.length)) {
    throw new Error('generate: prompt ids and mask must be [B][T] arrays of the same shape');
  }
  if (encoderHidden.shape[0] !== prompt.length) throw new Error(`generate: encoder output has ${encoderHidden.shape[0]} rows for ${prompt.length} prompts`);
  const numBeams = options.numBeams ?? 1;
  if (numBeams === 1) return greedySearch(model, prompt, promptMask, encoderHidden, options);
  return beamSearch(model, prompt, promptMask, encoderHidden, {
    numBeams,
    maxLength: options.maxLength,
    minLength: options.minLength ?? 0,
    lengthPenalty: options.lengthPenalty ?? 1,
    earlyStopping: options.earlyStopping ?? false,
    eosTokenId: options.eosTokenId,
    padTokenId: options.padTokenId,
  });
}

export { beamSearch, repeatRows };
export type { GenerateOutput };
