// ROUGE-L as pycocoevalcap's `Rouge()` computes it: tokens from splitting on a single space (an
// empty caption is one empty token), precision and recall each maximised separately over the
// references, F-measure with beta = 1.2, corpus = numpy mean of the per-image scores.
import { npMean } from './python-compat.js';

const BETA = 1.2;

export interface RougeResult {
  corpus: number;
  perImage: Float64Array;
}

/** Sentences as token ids split on a single space: sentence s is words[offsets[s] .. offsets[s+1]). */
export interface RougeWords {
  words: Int32Array;
  offsets: Int32Array;
}

/** Length of the longest common subsequence of words[a0..a1) and words[b0..b1), with one DP row. */
function lcsLength(words: Int32Array, a0: number, a1: number, b0: number, b1: number, row: Int32Array): number {
  const m = b1 - b0;
  row.fill(0, 0, m + 1);
  for (let i = a0; i < a1; i++) {
    let diag = 0;
    const ai = words[i];
    for (let j = 1; j <= m; j++) {
      const up = row[j];
      row[j] = ai === words[b0 + j - 1] ? diag + 1 : up > row[j - 1] ? up : row[j - 1];
      diag = up;
    }
  }
  return row[m];
}

/** ROUGE-L of candidate sentence c against reference sentences r0..r1-1. */
export function rougeL(sentences: RougeWords, c: number, r0: number, r1: number, row: Int32Array): number {
  const { words, offsets } = sentences;
  const c0 = offsets[c];
  const c1 = offsets[c + 1];
  let precMax = 0;
  let recMax = 0;
  for (let r = r0; r < r1; r++) {
    const lcs = lcsLength(words, offsets[r], offsets[r + 1], c0, c1, row);
    const prec = lcs / (c1 - c0);
    const rec = lcs / (offsets[r + 1] - offsets[r]);
    if (r === r0 || prec > precMax) precMax = prec;
    if (r === r0 || rec > recMax) recMax = rec;
  }
  if (precMax !== 0 && recMax !== 0) return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax);
  return 0;
}

/** Per-image ROUGE-L: image i's candidate is sentence candidates[i], its references refOffsets[i] .. refOffsets[i+1]-1. */
export function computeRouge(sentences: RougeWords, candidates: Int32Array, refOffsets: Int32Array): RougeResult {
  const images = candidates.length;
  let longest = 1;
  for (const c of candidates) longest = Math.max(longest, sentences.offsets[c + 1] - sentences.offsets[c] + 1);
  const row = new Int32Array(longest);
  const perImage = new Float64Array(images);
  for (let i = 0; i < images; i++) perImage[i] = rougeL(sentences, candidates[i], refOffsets[i], refOffsets[i + 1], row);
  return { corpus: npMean(perImage), perImage };
}
