import * as tf from '@tensorflow/tfjs';
import { BeamHypotheses, type EarlyStopping, type Hypothesis } from './beam-search-hypotheses.js';
import { createStepRunner, type GenerationModel } from './beam-search-steps.js';

/**
 * Beam search with the semantics of transformers 4.26 `generate(num_beams > 1)` as the official Prismer
 * code calls it (no sampling, no repetition penalties; `MinLengthLogitsProcessor` only):
 * - every prompt row is expanded to `numBeams` rows, and so is the encoder output (once);
 * - beam scores start at 0 for beam 0 and -1e9 for the others, so the first step expands beam 0 only;
 * - each step: log_softmax of the last logits, EOS set to -inf while cur_len < min_length, plus the beam
 *   scores (float32), then the top 2 * numBeams of [numBeams * V] per batch element (sorted descending;
 *   exact ties: lower beam, then lower token id first — documented choice, torch's order is unspecified);
 * - a candidate that is EOS becomes a finished hypothesis if its rank < numBeams, other candidates fill
 *   the next beams in rank order;
 * - a batch element is done by `BeamHypotheses.isDone(best candidate score, cur_len)`; done elements get
 *   pad tokens with score 0 and beam index 0 (as HF does);
 * - stop when all are done or the length reaches max_length (total length, prompt included); then open
 *   beams of unfinished elements are added as hypotheses and the best one of each element is returned,
 *   followed by EOS when it is shorter than the output width, padded with `pad` (HF `finalize`).
 */

export interface BeamSearchOptions {
  numBeams: number;
  /** Total length limit including the prompt (HF `max_length`). */
  maxLength: number;
  /** EOS is forbidden while the current length (prompt included) is below this (HF `min_length`). */
  minLength: number;
  lengthPenalty: number;
  earlyStopping: EarlyStopping;
  eosTokenId: number;
  padTokenId: number;
}

export interface GenerateOutput {
  /** Output ids [B, T]: prompt + generated tokens (+ EOS), right-padded with pad to a common width. */
  sequences: number[][];
  /** Score of each returned sequence: the length-penalised beam score (beam search) or the sum of log-probs (greedy). */
  sequenceScores: number[];
  /** Every finished hypothesis kept per batch element, best first (greedy: the one sequence). */
  hypotheses: Hypothesis[][];
  /** Number of decoder steps run. */
  steps: number;
}

interface Candidate {
  score: number;
  flat: number;
}

/** Top-k of `scores(flat)` for flat in [0, n), sorted descending, ties by lower flat index; NaN ignored. */
function topCandidates(n: number, k: number, scoreAt: (flat: number) => number): Candidate[] {
  const best: Candidate[] = [];
  for (let flat = 0; flat < n; flat++) {
    const score = scoreAt(flat);
    if (Number.isNaN(score)) continue;
    if (best.length === k && !(score > best[k - 1]!.score)) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    if (best.length === k) best.pop();
    best.splice(at, 0, { score, flat });
  }
  return best;
}

/** Repeats each row of a [B, ...] tensor `times` times consecutively (torch repeat_interleave on dim 0). */
export function repeatRows<T extends tf.Tensor>(x: T, times: number): T {
  if (times === 1) return x.clone();
  const index = Array.from({ length: x.shape[0]! * times }, (_, r) => Math.floor(r / times));
  return tf.tidy(() => tf.gather(x, tf.tensor1d(index, 'int32')) as T);
}

function validate(options: BeamSearchOptions, batch: number): void {
  if (!Number.isInteger(options.numBeams) || options.numBeams < 1) throw new Error(`generate: numBeams must be a positive integer (got ${options.numBeams})`);
  if (!Number.isInteger(options.maxLength) || options.maxLength < 1) throw new Error(`generate: maxLength must be a positive integer (got ${options.maxLength})`);
  if (batch === 0) throw new Error('generate: empty prompt batch');
}

export function beamSearch(model: GenerationModel, prompt: number[][], promptMask: number[][], encoderHidden: tf.Tensor3D, options: BeamSearchOptions): GenerateOutput {
  const batch = prompt.length;
  validate(options, batch);
  const { numBeams, eosTokenId } = options;
  if (encoderHidden.shape[0] !== batch) throw new Error(`beamSearch: encoder output has ${encoderHidden.shape[0]} rows for ${batch} prompts`);
  const rows = batch * numBeams;
  let ids = Array.from({ length: rows }, (_, r) => [...prompt[Math.floor(r / numBeams)]!]);
  const mask = Array.from({ length: rows }, (_, r) => [...promptMask[Math.floor(r / numBeams)]!]);
  const expanded = repeatRows(encoderHidden, numBeams);
  const beamScores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) beamScores[r] = r % numBeams === 0 ? 0 : -1e9;
  const hyps = Array.from({ length: batch }, () => new BeamHypotheses(numBeams, options.lengthPenalty, options.earlyStopping, options.maxLength));
  const done = new Array<boolean>(batch).fill(false);
  let steps = 0;
  const loop = (): void => {
    const runner = createStepRunner(model, ids, mask, expanded);
    try {
      let logits = runner.first();
      for (;;) {
        steps++;
        const vocab = logits.shape[1];
        // Read the data outside tf.tidy: tidy walks a returned typed array element by element.
        const logProbsTensor = tf.logSoftmax(logits, -1);
        logits.dispose();
        const logProbs = logProbsTensor.dataSync() as Float32Array;
        logProbsTensor.dispose();
        const curLen = ids[0]!.length;
        if (curLen < options.minLength) for (let r = 0; r < rows; r++) logProbs[r * vocab + eosTokenId] = -Infinity;
        const next = selectBeams(logProbs, vocab, beamScores, ids, hyps, done, curLen, options);
        beamScores.set(next.scores);
        ids = next.rows.map((r, i) => [...ids[r]!, next.tokens[i]!]);
        if (done.every(Boolean) || ids[0]!.length >= options.maxLength) break;
        logits = runner.next(next.tokens, next.rows);
      }
    } finally {
      runner.dispose();
    }
  };
  try {
    if (model.withEncoder) model.withEncoder(expanded, loop);
    else loop();
  } finally {
    expanded.dispose();
  }
  return { ...finalizeBeams(ids, beamScores, hyps, done, options), steps };
}

/** One HF `BeamSearchScorer.process` over all batch elements: finished hypotheses, next beams (scores, tokens, source rows). */
function selectBeams(
  logProbs: Float32Array, vocab: number, beamScores: Float32Array, ids: number[][], hyps: BeamHypotheses[], done: boolean[], curLen: number, options: BeamSearchOptions,
): { scores: Float32Array; tokens: number[]; rows: number[] } {
  const { numBeams, eosTokenId, padTokenId } = options;
  const rows = beamScores.length;
  const scores = new Float32Array(rows);
  const tokens = new Array<number>(rows);
  const sources = new Array<number>(rows);
  for (let b = 0; b < hyps.length; b++) {
    const base = b * numBeams;
    if (done[b]) {
      for (let j = 0; j < numBeams; j++) {
        scores[base + j] = 0;
        tokens[base + j] = padTokenId;
        sources[base + j] = 0;
      }
      continue;
    }
    const candidates = topCandidates(numBeams * vocab, 2 * numBeams, (flat) => {
      const row = base + Math.floor(flat / vocab);
      return Math.fround(logProbs[row * vocab + (flat % vocab)]! + beamScores[row]!);
    });
    let filled = 0;
    for (let rank = 0; rank < candidates.length && filled < numBeams; rank++) {
      const { score, flat } = candidates[rank]!;
      const row = base + Math.floor(flat / vocab);
      const token = flat % vocab;
      if (token === eosTokenId) {
        if (rank >= numBeams) continue;
        hyps[b]!.add([...ids[row]!], score);
      } else {
        scores[base + filled] = score;
        tokens[base + filled] = token;
        sources[base + filled] = row;
        filled++;
      }
    }
    if (filled < numBeams) throw new Error(`beamSearch: fewer than ${numBeams} non-EOS candidates among the top ${2 * numBeams} (vocabulary too small?)`);
    done[b] = hyps[b]!.isDone(candidates[0]!.score, curLen);
  }
  return { scores, tokens, rows: sources };
}

function finalizeBeams(ids: number[][], beamScores: Float32Array, hyps: BeamHypotheses[], done: boolean[], options: BeamSearchOptions): Omit<GenerateOutput, 'steps'> {
  const { numBeams, eosTokenId, padTokenId } = options;
  hyps.forEach((h, b) => {
    if (done[b]) return;
    for (let j = 0; j < numBeams; j++) h.add([...ids[b * numBeams + j]!], beamScores[b * numBeams + j]!);
  });
  const ranked = hyps.map((h) => h.ranked());
  const best = ranked.map((list) => list[0]!);
  const longest = Math.max(...best.map((h) => h.ids.length));
  const width = Math.min(longest + 1, options.maxLength);
  const sequences = best.map((h) => {
    const row = h.ids.slice(0, width);
    if (row.length < width) row.push(eosTokenId);
    while (row.length < width) row.push(padTokenId);
    return row;
  });
  return { sequences, sequenceScores: best.map((h) => h.score), hypotheses: ranked };
}
