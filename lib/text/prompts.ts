import { encodeBatch, type TokenBatch } from './batch.js';
import { pythonCapitalize, pythonStrip } from './python-str.js';
import type { TextTokenizer } from './tokenizer.js';

/**
 * The text side of the official `PrismerCaption` / `PrismerVQA` forward passes (model/prismer_caption.py,
 * model/prismer_vqa.py): how prompts, questions and answers become decoder ids and labels.
 */

/** Label value the loss ignores (PyTorch's CrossEntropyLoss ignore_index). */
export const IGNORE_LABEL = -100;

/** A batch with loss labels (same shape as the ids; IGNORE_LABEL where no loss is taken). */
export interface LabelledBatch extends TokenBatch {
  labels: number[][];
}

/** The caption prefix used by the official configs. */
export const CAPTION_PREFIX = 'A picture of';

/** Caption generation/rank start: `tokenizer([prefix] * B, padding='longest')` without the trailing `</s>` column. */
export function captionPrefixBatch(tokenizer: TextTokenizer, prefix: string, batchSize: number): TokenBatch {
  const batch = encodeBatch(tokenizer, new Array<string>(batchSize).fill(prefix), { padding: 'longest' });
  return { inputIds: batch.inputIds.map((r) => r.slice(0, -1)), attentionMask: batch.attentionMask.map((r) => r.slice(0, -1)) };
}

/**
 * Removes the prompt from a decoded caption as the official code does: `caption[len(prefix) + 1:]`
 * (no `+ 1` for an empty prefix), counting Python characters (code points). It cuts by length, it does
 * not check that the caption starts with the prefix.
 */
export function stripCaptionPrefix(decoded: string, prefix: string): string {
  const chars = Array.from(decoded);
  const cut = Array.from(prefix).length + (prefix.length > 0 ? 1 : 0);
  return chars.slice(cut).join('');
}

/** VQA questions: `'<s>' + q.capitalize()`, padding 'longest', truncation at 35, no added specials (so no `</s>`). */
export function vqaQuestionBatch(tokenizer: TextTokenizer, questions: readonly string[], maxLength = 35): TokenBatch {
  return encodeBatch(tokenizer, questions.map((q) => '<s>' + pythonCapitalize(q)), { padding: 'longest', truncation: true, maxLength, addSpecialTokens: false });
}

/** VQA answers: `' ' + a.capitalize() + '</s>'`, padding 'longest', no added specials. */
export function vqaAnswerBatch(tokenizer: TextTokenizer, answers: readonly string[]): TokenBatch {
  return encodeBatch(tokenizer, answers.map((a) => ' ' + pythonCapitalize(a) + '</s>'), { padding: 'longest', addSpecialTokens: false });
}

/** Caption rank candidates: `' ' + a.lower() + '</s>'`, padding 'longest', no added specials. */
export function captionAnswerBatch(tokenizer: TextTokenizer, answers: readonly string[]): TokenBatch {
  return encodeBatch(tokenizer, answers.map((a) => ' ' + a.toLowerCase() + '</s>'), { padding: 'longest', addSpecialTokens: false });
}

/**
 * Caption training batch: `tokenizer(captions, padding='longest', truncation=True, max_length=30)`;
 * labels are the ids with pads -> -100 and, for a non-empty prefix, the first
 * `len(tokenizer(prefix).input_ids) - 1` positions -> -100 (the `<s>` and the prefix tokens).
 */
export function captionTrainBatch(tokenizer: TextTokenizer, captions: readonly string[], prefix: string, maxLength = 30): LabelledBatch {
  const batch = encodeBatch(tokenizer, captions, { padding: 'longest', truncation: true, maxLength });
  const promptLength = prefix.length > 0 ? tokenizer.encode(prefix, true).length - 1 : 0;
  const labels = batch.inputIds.map((row) => row.map((id, t) => (id === tokenizer.padId || t < promptLength ? IGNORE_LABEL : id)));
  return { ...batch, labels };
}

/**
 * Concatenates question rows and answer rows column-wise (pads of the question stay in the middle) and
 * labels only the answer columns' non-pad ids, as the official VQA training and rank step 2 do:
 * `targets = ids.masked_fill(ids == pad, -100); targets[:, :-answer_width] = -100`.
 */
export function concatQuestionAnswer(padId: number, question: TokenBatch, answer: TokenBatch): LabelledBatch {
  if (question.inputIds.length !== answer.inputIds.length) {
    throw new Error(`concatQuestionAnswer: ${question.inputIds.length} question rows but ${answer.inputIds.length} answer rows`);
  }
  const answerWidth = answer.inputIds[0]?.length ?? 0;
  const inputIds = question.inputIds.map((q, b) => [...q, ...answer.inputIds[b]!]);
  const attentionMask = question.attentionMask.map((q, b) => [...q, ...answer.attentionMask[b]!]);
  const labels = inputIds.map((row) => row.map((id, t) => (id === padId || t < row.length - answerWidth ? IGNORE_LABEL : id)));
  return { inputIds, attentionMask, labels };
}

/** VQA training batch (official `PrismerVQA.forward(train=True)`). */
export function vqaTrainBatch(tokenizer: TextTokenizer, questions: readonly string[], answers: readonly string[]): LabelledBatch {
  return concatQuestionAnswer(tokenizer.padId, vqaQuestionBatch(tokenizer, questions), vqaAnswerBatch(tokenizer, answers));
}

/**
 * The answer text of a VQA generate output row: decode the ids after the (padded) question width with
 * specials skipped, then `.lower().strip()`.
 */
export function decodeVqaAnswer(tokenizer: TextTokenizer, outputRow: readonly number[], questionWidth: number): string {
  return pythonStrip(tokenizer.decode(outputRow.slice(questionWidth), true).toLowerCase());
}

/** The caption text of a generate output row: decode with specials skipped, then strip the prefix like the official code. */
export function decodeCaption(tokenizer: TextTokenizer, outputRow: readonly number[], prefix: string): string {
  return stripCaptionPrefix(tokenizer.decode(outputRow, true), prefix);
}
