import * as tf from '@tensorflow/tfjs';
import type { DecoderForward, MaskedIncrementalDecoder } from '../model/beam-search-steps.js';
import { disposeCache, type DecoderCache } from '../model/incremental.js';
import type { TokenBatch } from '../text/batch.js';
import { concatQuestionAnswer, IGNORE_LABEL, type LabelledBatch } from '../text/prompts.js';
import { labelSmoothedLossPerRow } from './smoothed-loss.js';

/**
 * The official `rank` inference of PrismerVQA / PrismerCaption (MANIFEST §8 item 17), batched:
 * 1. run the decoder on the right-padded start ids (question, or prefix without `</s>`) and take the
 *    logits of the LAST column — a pad column for shorter questions, replicated on purpose;
 * 2. prob_first_token = softmax(logits)[:, first token of each candidate];
 * 3. keep the top k_test candidates per sample. Ties are broken by the lower candidate index first
 *    (torch.topk leaves the order of exact ties unspecified; candidates sharing a first token tie);
 * 4. score each kept candidate by the decoder on [start ids (with pads), candidate ids (with pads)]
 *    with labels only on the candidate's tokens: log_probs_sum = -smoothed_loss / n_answer_tokens
 *    (the label-smoothing term included, as in the official code);
 * 5. answer = the candidate with the largest log_probs_sum (first one on exact ties, like torch.argmax).
 * Step 4 runs in chunks of `rowsPerChunk` rows so that [B * k, T, V] logits never exist at once.
 *
 * Over a cached decoder (`CachedRankDecoder`) step 4 does not re-run the question: the decoder is causal, so
 * the question columns of [start, candidate] are those of step 1; each kept candidate runs only over its own
 * tokens after the question's cached keys/values (pads masked as in the full row), and its first token is
 * scored with step 1's last-column logits. Same numbers, a fraction of the work for short answers.
 */

/** A decoder that runs the question once and each candidate after its cached keys/values. */
export interface CachedRankDecoder {
  decoder: MaskedIncrementalDecoder;
  /** New cache whose row r is row `rows[r]` of `cache` (padding state included); must not dispose its input. */
  reorderCache: (cache: DecoderCache, rows: number[]) => DecoderCache;
}

/** What rank runs on: a full decoder forward ([start, candidate] rows re-run whole) or a cached decoder. */
export type RankDecoder = DecoderForward | CachedRankDecoder;

export interface RankOptions {
  kTest: number;
  padId: number;
  /** Rows of [B * k] scored per decoder call (default 64). */
  rowsPerChunk?: number;
}

export interface RankResult {
  /** [B][N] softmax probability of each candidate's first token after the start ids. */
  probFirstToken: number[][];
  /** [B][k] candidate indices kept, best first probability. */
  topkIds: number[][];
  /** [B][k] mean log-probability per kept candidate (columns follow topkIds). */
  logProbsSum: number[][];
  /** [B] chosen candidate index. */
  maxIds: number[];
}

/** Softmax probabilities [B][N] of each candidate's first token, from last-column logits [B, V]. */
export function firstTokenProbabilities(lastLogits: tf.Tensor2D, answerFirstIds: readonly number[]): number[][] {
  const [b] = lastLogits.shape;
  const n = answerFirstIds.length;
  const probs = tf.tidy(() => tf.gather(tf.softmax(lastLogits, -1), tf.tensor1d(answerFirstIds as number[], 'int32'), 1));
  const flat = probs.dataSync() as Float32Array;
  probs.dispose();
  return Array.from({ length: b }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
}

/** Indices of the k largest values per row, largest first; exact ties → lower index first. */
export function topKIndices(values: readonly (readonly number[])[], k: number): number[][] {
  return values.map((row) => {
    const order = row.map((_, i) => i);
    order.sort((a, b) => row[b]! - row[a]! || a - b);
    return order.slice(0, Math.min(k, row.length));
  });
}

/** Step-4 decoder inputs: row b*k+j = [start[b], answers[topk[b][j]]] with labels on the answer tokens only. */
export function buildRankBatch(start: TokenBatch, answers: TokenBatch, topkIds: readonly (readonly number[])[], padId: number): LabelledBatch {
  const rows: number[] = [];
  const picks: number[] = [];
  topkIds.forEach((ids, b) => ids.forEach((c) => { rows.push(b); picks.push(c); }));
  const question: TokenBatch = { inputIds: rows.map((b) => start.inputIds[b]!), attentionMask: rows.map((b) => start.attentionMask[b]!) };
  const answer: TokenBatch = { inputIds: picks.map((c) => answers.inputIds[c]!), attentionMask: picks.map((c) => answers.attentionMask[c]!) };
  return concatQuestionAnswer(padId, question, answer);
}

/** log_probs_sum [B][k] = -loss / n_labelled, the argmax column per row (first on ties) and the chosen candidate. */
export function rankScores(lossPerRow: ArrayLike<number>, labels: readonly (readonly number[])[], topkIds: readonly (readonly number[])[]): { logProbsSum: number[][]; maxIds: number[] } {
  let row = 0;
  const logProbsSum = topkIds.map((ids) => ids.map(() => {
    const count = labels[row]!.filter((y) => y !== IGNORE_LABEL).length;
    return Math.fround(-lossPerRow[row++]! / count);
  }));
  const maxIds = logProbsSum.map((scores, b) => {
    let best = 0;
    for (let j = 1; j < scores.length; j++) if (scores[j]! > scores[best]!) best = j;
    return topkIds[b]![best]!;
  });
  return { logProbsSum, maxIds };
}

/**
 * Ranks `answers` (tokenised candidates, e.g. `vqaAnswerBatch` / `captionAnswerBatch`) for each sample
 * given its start ids and encoder output [B, L, D]. `decoder` is the decoder's full forward pass or,
 * faster, a cached decoder (`Prismer.rankDecoder()`).
 */
export function rankAnswers(decoder: RankDecoder, encoderHidden: tf.Tensor3D, start: TokenBatch, answers: TokenBatch, options: RankOptions): RankResult {
  const batch = start.inputIds.length;
  if (encoderHidden.shape[0] !== batch) throw new Error(`rankAnswers: encoder output has ${encoderHidden.shape[0]} rows for ${batch} samples`);
  if (answers.inputIds.length === 0) throw new Error('rankAnswers: empty candidate list');
  if (!(options.kTest >= 1)) throw new Error(`rankAnswers: kTest must be >= 1 (got ${options.kTest})`);
  const width = start.inputIds[0]!.length;
  const ids = tf.tensor2d(start.inputIds, [batch, width], 'int32');
  const mask = tf.tensor2d(start.attentionMask, [batch, width], 'int32');
  let logits: tf.Tensor3D;
  let questionCache: DecoderCache | null = null;
  if (typeof decoder === 'function') logits = decoder(ids, mask, encoderHidden);
  else ({ logits, cache: questionCache } = decoder.decoder.forwardIncremental(ids, encoderHidden, null, mask));
  ids.dispose();
  mask.dispose();
  const last = tf.tidy(() => logits.slice([0, width - 1, 0], [batch, 1, logits.shape[2]]).reshape([batch, logits.shape[2]]) as tf.Tensor2D);
  logits.dispose();
  try {
    const probFirstToken = firstTokenProbabilities(last, answers.inputIds.map((r) => r[0]!));
    const topkIds = topKIndices(probFirstToken, options.kTest);
    const batch2 = buildRankBatch(start, answers, topkIds, options.padId);
    const rowSample = topkIds.flatMap((list, b) => list.map(() => b));
    const chunk = Math.max(1, options.rowsPerChunk ?? 64);
    const losses = typeof decoder === 'function'
      ? fullRowLosses(decoder, encoderHidden, batch2, rowSample, chunk)
      : cachedRowLosses(decoder, questionCache!, last, encoderHidden, batch2, rowSample, width, chunk);
    return { probFirstToken, topkIds, ...rankScores(losses, batch2.labels, topkIds) };
  } finally {
    last.dispose();
    disposeCache(questionCache);
  }
}

/** Step 4 over the full decoder: every [start, candidate] row re-run whole. */
function fullRowLosses(forward: DecoderForward, encoderHidden: tf.Tensor3D, rows: LabelledBatch, rowSample: number[], chunk: number): Float32Array {
  const losses = new Float32Array(rowSample.length);
  const total = rows.inputIds[0]!.length;
  for (let begin = 0; begin < rowSample.length; begin += chunk) {
    const end = Math.min(rowSample.length, begin + chunk);
    const chunkIds = tf.tensor2d(rows.inputIds.slice(begin, end), [end - begin, total], 'int32');
    const chunkMask = tf.tensor2d(rows.attentionMask.slice(begin, end), [end - begin, total], 'int32');
    const encoder = tf.tidy(() => tf.gather(encoderHidden, tf.tensor1d(rowSample.slice(begin, end), 'int32')) as tf.Tensor3D);
    const chunkLogits = forward(chunkIds, chunkMask, encoder);
    losses.set(labelSmoothedLossPerRow(chunkLogits, rows.labels.slice(begin, end)), begin);
    for (const t of [chunkIds, chunkMask, encoder, chunkLogits]) t.dispose();
  }
  return losses;
}

/**
 * Step 4 over the cached decoder: the candidate columns of each row run after its question's cache; the
 * logits that score them are [question's last column, candidate columns] — the columns the full row would
 * give — and the labels those of the full row from its last question column on.
 */
function cachedRowLosses(model: CachedRankDecoder, questionCache: DecoderCache, last: tf.Tensor2D, encoderHidden: tf.Tensor3D, rows: LabelledBatch, rowSample: number[], width: number, chunk: number): Float32Array {
  const losses = new Float32Array(rowSample.length);
  const total = rows.inputIds[0]!.length;
  const answerWidth = total - width;
  for (let begin = 0; begin < rowSample.length; begin += chunk) {
    const end = Math.min(rowSample.length, begin + chunk);
    const picks = rowSample.slice(begin, end);
    const cache = model.reorderCache(questionCache, picks);
    const answerIds = tf.tensor2d(rows.inputIds.slice(begin, end).map((r) => r.slice(width)), [end - begin, answerWidth], 'int32');
    const answerMask = tf.tensor2d(rows.attentionMask.slice(begin, end).map((r) => r.slice(width)), [end - begin, answerWidth], 'int32');
    const pickIndex = tf.tensor1d(picks, 'int32');
    const encoder = tf.gather(encoderHidden, pickIndex) as tf.Tensor3D;
    try {
      const { logits: answerLogits, cache: extended } = model.decoder.forwardIncremental(answerIds, encoder, cache, answerMask);
      disposeCache(extended);
      const scoring = tf.tidy(() => tf.concat([tf.expandDims(tf.gather(last, pickIndex), 1), answerLogits], 1) as tf.Tensor3D);
      answerLogits.dispose();
      losses.set(labelSmoothedLossPerRow(scoring, rows.labels.slice(begin, end).map((r) => r.slice(width - 1))), begin);
      scoring.dispose();
    } finally {
      disposeCache(cache);
      tf.dispose([answerIds, answerMask, pickIndex, encoder]);
    }
  }
  return losses;
}
