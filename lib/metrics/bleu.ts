// BLEU-1..4 as pycocoevalcap's `Bleu(4)` computes it: option "closest" reference length (ties to
// the shorter), smoothing constants tiny = 1e-15 and small = 1e-9 per image, and a corpus score
// from the summed counts (not the mean of the per-image scores).
import { MAX_NGRAM, type NgramCorpus } from './ngrams.js';

const TINY = 1e-15;
const SMALL = 1e-9;

/** The BLEU count totals the official scorer prints (`totalcomps`). */
export interface BleuTotals {
  testlen: number;
  reflen: number;
  guess: number[];
  correct: number[];
}

export interface BleuResult {
  /** Corpus Bleu_1..Bleu_4. */
  corpus: number[];
  /** Per image (in input order): perImage[n-1][i] is Bleu_n of image i. */
  perImage: Float64Array[];
  totals: BleuTotals;
  /** testlen / reflen with the smoothing constants, as the scorer prints it. */
  ratio: number;
}

/** Cumulative Bleu_1..n from counts, with the brevity penalty. */
function bleuFromCounts(correct: ArrayLike<number>, guess: ArrayLike<number>, testlen: number, reflen: number, out: number[]): void {
  let p = 1;
  for (let k = 0; k < MAX_NGRAM; k++) {
    p *= (correct[k] + TINY) / (guess[k] + SMALL);
    out[k] = p ** (1 / (k + 1));
  }
  const ratio = (testlen + TINY) / (reflen + SMALL);
  if (ratio < 1) {
    const penalty = Math.exp(1 - 1 / ratio);
    for (let k = 0; k < MAX_NGRAM; k++) out[k] *= penalty;
  }
}

/** Scores every image of the corpus (each image needs at least one reference). */
export function computeBleu(corpus: NgramCorpus): BleuResult {
  const { store, candidates, refOffsets } = corpus;
  const images = candidates.length;
  const ids = store.ids;
  const counts = store.counts;
  const perImage = Array.from({ length: MAX_NGRAM }, () => new Float64Array(images));
  const maxRef = new Int32Array(store.ngramCount); // scratch: max reference count per n-gram id, reset after each image
  const totals: BleuTotals = { testlen: 0, reflen: 0, guess: [0, 0, 0, 0], correct: [0, 0, 0, 0] };
  const correct = [0, 0, 0, 0];
  const guess = [0, 0, 0, 0];
  const scores = [0, 0, 0, 0];
  for (let i = 0; i < images; i++) {
    const cand = candidates[i];
    const testlen = store.length(cand);
    let reflen = -1;
    const refBegin = refOffsets[i];
    const refEnd = refOffsets[i + 1];
    // All n-gram orders of one sentence are contiguous in the pool.
    for (let r = refBegin; r < refEnd; r++) {
      const l = store.length(r);
      const d = Math.abs(l - testlen);
      if (reflen < 0 || d < Math.abs(reflen - testlen) || (d === Math.abs(reflen - testlen) && l < reflen)) reflen = l;
      for (let j = store.start(r, 1), e = store.end(r, MAX_NGRAM); j < e; j++) if (counts[j] > maxRef[ids[j]]) maxRef[ids[j]] = counts[j];
    }
    for (let n = 1; n <= MAX_NGRAM; n++) {
      let c = 0;
      for (let j = store.start(cand, n), e = store.end(cand, n); j < e; j++) c += Math.min(counts[j], maxRef[ids[j]]);
      correct[n - 1] = c;
      guess[n - 1] = Math.max(0, testlen - n + 1);
      totals.correct[n - 1] += c;
      totals.guess[n - 1] += guess[n - 1];
    }
    for (let j = store.start(refBegin, 1), e = store.end(refEnd - 1, MAX_NGRAM); j < e; j++) maxRef[ids[j]] = 0;
    totals.testlen += testlen;
    totals.reflen += reflen;
    bleuFromCounts(correct, guess, testlen, reflen, scores);
    for (let n = 0; n < MAX_NGRAM; n++) perImage[n][i] = scores[n];
  }
  const corpusScores = [0, 0, 0, 0];
  bleuFromCounts(totals.correct, totals.guess, totals.testlen, totals.reflen, corpusScores);
  const ratio = (totals.testlen + TINY) / (totals.reflen + SMALL);
  return { corpus: corpusScores, perImage, totals, ratio };
}
