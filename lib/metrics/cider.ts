// CIDEr as pycocoevalcap's `Cider()` computes it (the CIDEr-D variant: clipped tf-idf products,
// Gaussian length penalty with sigma = 6, x10). Document frequencies come from the references of
// the evaluated images only, so every per-image score depends on the whole evaluated set.
import { MAX_NGRAM, type NgramCorpus } from './ngrams.js';
import { npMean } from './python-compat.js';

const SIGMA = 6;

export interface CiderResult {
  corpus: number;
  perImage: Float64Array;
}

export function computeCider(corpus: NgramCorpus): CiderResult {
  const { store, candidates, refOffsets } = corpus;
  const images = candidates.length;
  const ids = store.ids;
  const counts = store.counts;
  const ngramCount = store.ngramCount;

  // Document frequency: the number of images whose references contain the n-gram.
  const df = new Int32Array(ngramCount);
  const lastImage = new Int32Array(ngramCount).fill(-1);
  for (let i = 0; i < images; i++) {
    for (let j = store.start(refOffsets[i], 1), e = store.end(refOffsets[i + 1] - 1, MAX_NGRAM); j < e; j++) {
      const id = ids[j];
      if (lastImage[id] !== i) {
        lastImage[id] = i;
        df[id]++;
      }
    }
  }
  const refLen = Math.log(images);
  const idf = new Float64Array(ngramCount);
  for (let id = 0; id < ngramCount; id++) idf[id] = refLen - Math.log(Math.max(1, df[id]));

  // Per sentence and order: the Euclidean norm of the tf-idf vector.
  const sentences = store.sentenceCount;
  const norms = new Float64Array(sentences * MAX_NGRAM);
  for (let s = 0; s < sentences; s++) {
    for (let n = 1; n <= MAX_NGRAM; n++) {
      let sq = 0;
      for (let j = store.start(s, n), e = store.end(s, n); j < e; j++) sq += (counts[j] * idf[ids[j]]) ** 2;
      norms[s * MAX_NGRAM + n - 1] = Math.sqrt(sq);
    }
  }

  const perImage = new Float64Array(images);
  const acc = new Float64Array(MAX_NGRAM);
  for (let i = 0; i < images; i++) {
    const c = candidates[i];
    const cLength = Math.max(0, store.length(c) - 1); // the official "length" counts bigrams
    acc.fill(0);
    const refBegin = refOffsets[i];
    const refEnd = refOffsets[i + 1];
    for (let r = refBegin; r < refEnd; r++) {
      const delta = cLength - Math.max(0, store.length(r) - 1);
      const penalty = Math.E ** (-(delta ** 2) / (2 * SIGMA ** 2));
      for (let n = 1; n <= MAX_NGRAM; n++) {
        let val = 0;
        let k = store.start(r, n);
        const kEnd = store.end(r, n);
        for (let j = store.start(c, n), e = store.end(c, n); j < e; j++) {
          const id = ids[j];
          while (k < kEnd && ids[k] < id) k++;
          if (k < kEnd && ids[k] === id) {
            const wc = counts[j] * idf[id];
            const wr = counts[k] * idf[id];
            val += Math.min(wc, wr) * wr;
          }
        }
        const nc = norms[c * MAX_NGRAM + n - 1];
        const nr = norms[r * MAX_NGRAM + n - 1];
        if (nc !== 0 && nr !== 0) val /= nc * nr;
        acc[n - 1] += val * penalty;
      }
    }
    let score = npMean(acc);
    score /= refEnd - refBegin;
    score *= 10;
    perImage[i] = score;
  }
  return { corpus: npMean(perImage), perImage };
}
