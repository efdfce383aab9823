export type { TextTokenizer } from './tokenizer.js';
export { PrismerTokenizer } from './prismer-tokenizer.js';
export { RobertaBpeTokenizer, loadRobertaTokenizer, robertaTokenizerJson, parseMergesTxt } from './roberta-bpe.js';
export type { RobertaDecodeOptions, TokenizerJson } from './roberta-bpe.js';
export { createGpt2RobertaTokenizer, writeGpt2RobertaTokenizerFiles, gpt2RobertaVocab, gpt2EncoderDir } from './gpt2-roberta.js';
export { encodeBatch } from './batch.js';
export type { TokenBatch, EncodeBatchOptions } from './batch.js';
export { preCaption, preQuestion } from './preprocess.js';
export { pythonCapitalize, pythonStrip, pythonStripChars, PYTHON_WHITESPACE } from './python-str.js';
export {
  IGNORE_LABEL, CAPTION_PREFIX, captionPrefixBatch, stripCaptionPrefix, vqaQuestionBatch, vqaAnswerBatch, captionAnswerBatch,
  captionTrainBatch, concatQuestionAnswer, vqaTrainBatch, decodeVqaAnswer, decodeCaption,
} from './prompts.js';
export type { LabelledBatch } from './prompts.js';
