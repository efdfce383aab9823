// The COCO caption evaluation (`COCOEvalCap.evaluate()` limited to BLEU, ROUGE-L and CIDEr):
// tokenize all references in one batch and all candidates in another, then score every image.
import { from, type ColumnTable } from 'arquero';
import { computeBleu, type BleuTotals } from './bleu.js';
import { parseCaptionReferences, parseCaptionResults, type CaptionReferences, type CaptionResults, type ImageId } from './caption-io.js';
import { computeCider } from './cider.js';
import { GrowableInt32, NgramStore, type NgramCorpus } from './ngrams.js';
import { ptbTokenizeBatchIds, type PtbLineBreakPolicy, type PtbTokenIds } from './ptb-tokenize.js';
import { computeRouge, type RougeWords } from './rouge.js';

export interface CaptionMetricScores {
  Bleu_1: number;
  Bleu_2: number;
  Bleu_3: number;
  Bleu_4: number;
  ROUGE_L: number;
  CIDEr: number;
}

export interface CaptionImageScores extends CaptionMetricScores {
  image_id: ImageId;
}

export interface CaptionScores {
  corpus: CaptionMetricScores;
  /** One entry per evaluated image, in evaluation order. */
  perImage: CaptionImageScores[];
  bleuTotals: BleuTotals;
  /** The BLEU length ratio the official scorer prints. */
  bleuRatio: number;
  /** The tokenized strings that were scored, per image, in evaluation order. */
  tokenized: { image_id: ImageId; res: string; gts: string[] }[];
  /** Metrics of the official suite that are not computed here (they need the Java tools). */
  notComputed: readonly string[];
}

export interface CaptionScoreOptions {
  /** Line-break characters other than '\n' inside captions (default 'space'; see PtbLineBreakPolicy). */
  lineBreaks?: PtbLineBreakPolicy;
  /**
   * Evaluation order: 'ascending' image ids (the default; numeric order when every id is an integer,
   * as in the official run) or the order of the results. Only the last bits of corpus means and the
   * tokenizer's end-of-batch behaviour depend on it.
   */
  imageOrder?: 'ascending' | 'results';
}

export const CAPTION_METRICS_NOT_COMPUTED: readonly string[] = ['METEOR', 'SPICE'];

/** Reference input: already parsed, COCO `{images, annotations}`, or `{image_id: [captions]}`. */
export type CaptionReferencesInput = CaptionReferences | { annotations: unknown[]; images?: unknown[] } | Record<string, readonly string[]>;
/** Results input: already parsed, `[{image_id, caption}]`, or `{image_id: caption}`. */
export type CaptionResultsInput = CaptionResults | readonly { image_id: ImageId; caption: string }[] | Record<string, string>;

function isParsedRefs(value: CaptionReferencesInput): value is CaptionReferences {
  return (value as CaptionReferences).captions instanceof Map;
}
function isParsedResults(value: CaptionResultsInput): value is CaptionResults {
  return !Array.isArray(value) && (value as CaptionResults).captions instanceof Map;
}

function ascending(ids: ImageId[]): ImageId[] {
  const numeric = ids.every((id) => typeof id === 'number' || /^-?\d+$/.test(id));
  return [...ids].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/**
 * Turns the tokenized batches into scorer sentences: all references (image order), then all
 * candidates. ROUGE splits the token string on ' ' (so "" is one empty token), BLEU and CIDEr on
 * whitespace runs; the two differ only for an empty caption or a token holding a no-break space
 * (SGML tags, fractions, phone numbers).
 */
function buildSentences(store: NgramStore, tokRefs: PtbTokenIds, tokCands: PtbTokenIds, refCounts: readonly number[]): { corpus: NgramCorpus; rougeWords: RougeWords } {
  const vocabulary = store.vocabulary;
  const words = new GrowableInt32(1 << 16);
  const wordOffsets = new GrowableInt32(1 << 12);
  wordOffsets.push(0);
  let scratch = new Int32Array(64);
  const emptyToken = vocabulary.id('');
  const addSentence = (batch: PtbTokenIds, index: number): void => {
    const begin = batch.offsets[index];
    const end = batch.offsets[index + 1];
    if (begin === end) words.push(emptyToken);
    let len = 0;
    for (let t = begin; t < end; t++) {
      const id = batch.ids[t];
      words.push(id);
      const pieces = vocabulary.splitPieces(id);
      const needed = len + (pieces === null ? 1 : pieces.length);
      if (scratch.length < needed) {
        const grown = new Int32Array(needed * 2);
        grown.set(scratch);
        scratch = grown;
      }
      if (pieces === null) scratch[len++] = id;
      else for (const piece of pieces) scratch[len++] = piece;
    }
    wordOffsets.push(words.length);
    store.addSentenceIds(scratch, len);
  };
  const images = refCounts.length;
  const refOffsets = new Int32Array(images + 1);
  let k = 0;
  for (let i = 0; i < images; i++) {
    for (let r = k; r < k + refCounts[i]; r++) addSentence(tokRefs, r);
    k += refCounts[i];
    refOffsets[i + 1] = k;
  }
  const candidates = new Int32Array(images);
  for (let i = 0; i < images; i++) {
    candidates[i] = k + i;
    addSentence(tokCands, i);
  }
  return { corpus: { store, candidates, refOffsets }, rougeWords: { words: words.toArray(), offsets: wordOffsets.toArray() } };
}

/**
 * Scores candidate captions against references exactly as pycocoevalcap 1.2 does for Bleu(4),
 * Rouge() and Cider(). The evaluated set is the results' images; each must have references.
 */
export function scoreCaptions(references: CaptionReferencesInput, results: CaptionResultsInput, options: CaptionScoreOptions = {}): CaptionScores {
  const refs = isParsedRefs(references) ? references : parseCaptionReferences(references);
  const res = isParsedResults(results) ? results : parseCaptionResults(results);
  const order = options.imageOrder === 'results' ? res.ids : ascending(res.ids);
  for (const id of res.ids) {
    if (!refs.captions.has(String(id))) throw new Error(`${res.source}: image_id ${JSON.stringify(id)} has no reference captions in ${refs.source}`);
  }

  const refLists = order.map((id) => refs.captions.get(String(id))!);
  const refOwner: number[] = [];
  refLists.forEach((list, i) => list.forEach(() => refOwner.push(i)));
  const flatRefs = refLists.flat();
  const store = new NgramStore();
  const vocabulary = store.vocabulary;
  const tokRefs = ptbTokenizeBatchIds(flatRefs, vocabulary, { lineBreaks: options.lineBreaks, source: refs.source, describe: (k) => `image_id ${JSON.stringify(order[refOwner[k]])}` });
  const tokCands = ptbTokenizeBatchIds(order.map((id) => res.captions.get(String(id))!), vocabulary, { lineBreaks: options.lineBreaks, source: res.source, describe: (k) => `image_id ${JSON.stringify(order[k])}` });

  const refCounts = refLists.map((list) => list.length);
  const { corpus, rougeWords } = buildSentences(store, tokRefs, tokCands, refCounts);
  const { candidates, refOffsets } = corpus;
  const bleu = computeBleu(corpus);
  const rouge = computeRouge(rougeWords, candidates, refOffsets);
  const cider = computeCider(corpus);
  const perImage = order.map((image_id, i) => ({
    image_id,
    Bleu_1: bleu.perImage[0][i],
    Bleu_2: bleu.perImage[1][i],
    Bleu_3: bleu.perImage[2][i],
    Bleu_4: bleu.perImage[3][i],
    ROUGE_L: rouge.perImage[i],
    CIDEr: cider.perImage[i],
  }));
  return {
    corpus: { Bleu_1: bleu.corpus[0], Bleu_2: bleu.corpus[1], Bleu_3: bleu.corpus[2], Bleu_4: bleu.corpus[3], ROUGE_L: rouge.corpus, CIDEr: cider.corpus },
    perImage,
    bleuTotals: bleu.totals,
    bleuRatio: bleu.ratio,
    // Built on first use: most callers never look at it.
    get tokenized() {
      const text = (batch: PtbTokenIds, index: number): string =>
        Array.from(batch.ids.subarray(batch.offsets[index], batch.offsets[index + 1]), (id) => vocabulary.text(id)).join(' ');
      const value = order.map((image_id, i) => ({
        image_id,
        res: text(tokCands, i),
        gts: Array.from({ length: refOffsets[i + 1] - refOffsets[i] }, (_, r) => text(tokRefs, refOffsets[i] + r)),
      }));
      Object.defineProperty(this, 'tokenized', { value, enumerable: true });
      return value;
    },
    notComputed: CAPTION_METRICS_NOT_COMPUTED,
  };
}

/** The per-image scores as an arquero table (columns image_id, Bleu_1..4, ROUGE_L, CIDEr). */
export function perImageTable(scores: CaptionScores): ColumnTable {
  return from(scores.perImage);
}
