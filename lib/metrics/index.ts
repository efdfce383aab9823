// COCO caption metrics (PTB tokenizer, BLEU-1..4, ROUGE-L, CIDEr-D) and VQA accuracy, computed
// exactly as the official pycocoevalcap 1.2 and vqaEval.py do, in TypeScript.
export { ptbTokenize, ptbTokenizeBatch, ptbTokenizeBatchTokens, ptbRawLines, PTB_PUNCTUATION_REMOVED } from './ptb-tokenize.js';
export type { PtbLineBreakPolicy, PtbTokenizeOptions } from './ptb-tokenize.js';
export { scoreCaptions, perImageTable, CAPTION_METRICS_NOT_COMPUTED } from './captions.js';
export type { CaptionScores, CaptionMetricScores, CaptionImageScores, CaptionScoreOptions, CaptionReferencesInput, CaptionResultsInput } from './captions.js';
export { parseCaptionReferences, parseCaptionResults, loadCaptionReferences, loadCaptionResults } from './caption-io.js';
export type { CaptionReferences, CaptionResults, ImageId } from './caption-io.js';
export { computeBleu } from './bleu.js';
export type { BleuResult, BleuTotals } from './bleu.js';
export { computeRouge, rougeL } from './rouge.js';
export type { RougeResult, RougeWords } from './rouge.js';
export { computeCider } from './cider.js';
export type { CiderResult } from './cider.js';
export { NgramStore as CaptionNgramStore } from './ngrams.js';
export type { NgramCorpus } from './ngrams.js';
export { scoreVqa, vqaQuestionAccuracy, vqaPerQuestionTable } from './vqa.js';
export type { VqaScores, VqaQuestionScore, VqaScoreOptions } from './vqa.js';
export { normalizeVqaAnswer, vqaProcessPunctuation, vqaProcessDigitArticle, VQA_CONTRACTIONS, VQA_PUNCTUATION } from './vqa-normalize.js';
export type { VqaNormalizeOptions } from './vqa-normalize.js';
export { parseVqaAnnotations, parseVqaQuestions, parseVqaResults, loadVqaAnnotations, loadVqaQuestions, loadVqaResults } from './vqa-io.js';
export type { VqaAnnotations, VqaAnnotation, VqaAnswer, VqaQuestions, VqaQuestion, VqaResults, VqaResultsOptions, QuestionId } from './vqa-io.js';
