import { existsSync, readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { CaptionDataset, VqaDataset } from '../data/datasets.js';
import type { CaptionTestEntry, VqaTestEntry } from '../data/formats.js';
import { disposeBatchInputs, prismerBatchInputs } from './batch-inputs.js';
import { rankAnswers } from '../inference/rank.js';
import { scoreCaptions, type CaptionScores } from '../metrics/captions.js';
import { parseVqaAnnotations } from '../metrics/vqa-io.js';
import { parseVqaResults } from '../metrics/vqa-io.js';
import { scoreVqa, type VqaScores } from '../metrics/vqa.js';
import { generate, vqaGeneration } from '../model/generate.js';
import type { Prismer } from '../model/prismer.js';
import { captionPrefixBatch, decodeVqaAnswer, stripCaptionPrefix, vqaAnswerBatch, vqaQuestionBatch } from '../text/prompts.js';
import { pythonCapitalize } from '../text/python-str.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { SampleSource } from './tasks.js';

export interface CaptionResultEntry {
  image_id: number | string;
  caption: string;
}

export interface VqaResultEntry {
  question_id: number;
  answer: string;
}

export interface EvalProgress {
  (done: number, total: number): void;
}

/** The image id the official caption script writes: COCO's number from the file name, else the list's img_id. */
export function captionImageId(entry: CaptionTestEntry): number | string {
  if (entry.img_id !== undefined) return entry.img_id;
  const match = /(\d+)\.\w+$/.exec(entry.image);
  if (!match) throw new Error(`caption test entry '${entry.image}': no img_id and no number in the file name`);
  return Number(match[1]);
}

/**
 * Runs `body` on every test batch of `dataset` with the encoder output computed once per batch
 * (batch-first [B, L, D], disposed afterwards); reports progress after each batch.
 */
async function forEachEncodedBatch<D extends CaptionDataset | VqaDataset>(
  model: Prismer, dataset: D, batchSize: number, onProgress: EvalProgress | undefined,
  body: (indices: number[], batch: Awaited<ReturnType<SampleSource['collate']>>, hidden: tf.Tensor3D) => void,
): Promise<void> {
  const source = new SampleSource(dataset, false, false);
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const batch = await source.collate(indices, 0);
    const inputs = prismerBatchInputs(batch, dataset.experts);
    const hidden = model.encode(inputs);
    disposeBatchInputs(inputs);
    try {
      body(indices, batch, hidden);
    } finally {
      hidden.dispose();
    }
    onProgress?.(Math.min(dataset.length, start + batchSize), dataset.length);
  }
}

/**
 * Captions every test image as the official evaluation loop does (beam search after the prefix,
 * `caption.capitalize() + '.'`), `batchSize` images per model call.
 */
export async function generateTestCaptions(
  model: Prismer, tokenizer: TextTokenizer, dataset: CaptionDataset,
  options: { prefix: string; batchSize: number; numBeams: number; maxLength: number; minLength: number; onProgress?: EvalProgress },
): Promise<CaptionResultEntry[]> {
  const out: CaptionResultEntry[] = [];
  const entries = dataset.entries as CaptionTestEntry[];
  await forEachEncodedBatch(model, dataset, options.batchSize, options.onProgress, (indices, _batch, hidden) => {
    const prompt = captionPrefixBatch(tokenizer, options.prefix, indices.length);
    const generated = generate(model.generationModel(), prompt.inputIds, prompt.attentionMask, hidden, {
      numBeams: options.numBeams, maxLength: options.maxLength, minLength: options.minLength, eosTokenId: tokenizer.eosId, padTokenId: tokenizer.padId,
    });
    generated.sequences.forEach((row, b) => {
      const caption = stripCaptionPrefix(tokenizer.decode(row, true), options.prefix);
      out.push({ image_id: captionImageId(entries[indices[b]!]!), caption: `${pythonCapitalize(caption)}.` });
    });
  });
  return out;
}

/**
 * The references of a caption test set: `coco_karpathy_test_gt.json` in data_path when present (the
 * official scorer's file), else the captions of the test list itself (Prism Shapes, NoCaps lists with captions).
 */
export function captionReferences(dataPath: string, dataset: CaptionDataset): Record<string, string[]> | { annotations: unknown[]; images?: unknown[] } {
  const gt = join(dataPath, 'coco_karpathy_test_gt.json');
  if (existsSync(gt)) return JSON.parse(readFileSync(gt, 'utf8')) as { annotations: unknown[]; images?: unknown[] };
  const refs: Record<string, string[]> = {};
  for (const entry of dataset.entries as CaptionTestEntry[]) {
    if (!entry.caption || entry.caption.length === 0) throw new Error(`${join(dataPath, 'coco_karpathy_test.json')}: entry '${entry.image}' has no reference captions and there is no coco_karpathy_test_gt.json`);
    refs[String(captionImageId(entry))] = entry.caption;
  }
  return refs;
}

/** Scores caption results against the test references (BLEU-1..4, ROUGE-L, CIDEr-D as pycocoevalcap). */
export function scoreTestCaptions(dataPath: string, dataset: CaptionDataset, results: readonly CaptionResultEntry[]): CaptionScores {
  return scoreCaptions(captionReferences(dataPath, dataset), results);
}

/**
 * Answers every test question as the official VQA evaluation loop: 'rank' over the answer list with
 * `k_test` candidates, or 'generate' (3 beams, length penalty -1).
 */
export async function answerTestQuestions(
  model: Prismer, tokenizer: TextTokenizer, dataset: VqaDataset,
  options: { batchSize: number; inference: 'rank' | 'generate'; kTest: number; onProgress?: EvalProgress },
): Promise<VqaResultEntry[]> {
  const answers = dataset.answerList ?? [];
  if (options.inference === 'rank' && answers.length === 0) throw new Error('VQA rank inference needs an answer list (answer_list.json)');
  const answerBatch = options.inference === 'rank' ? vqaAnswerBatch(tokenizer, answers) : null;
  const entries = dataset.entries as VqaTestEntry[];
  const out: VqaResultEntry[] = [];
  await forEachEncodedBatch(model, dataset, options.batchSize, options.onProgress, (indices, batch, hidden) => {
    const questions = vqaQuestionBatch(tokenizer, batch.questions ?? []);
    if (answerBatch) {
      const ranked = rankAnswers(model.rankDecoder(), hidden, questions, answerBatch, { kTest: Math.min(options.kTest, answers.length), padId: tokenizer.padId });
      ranked.maxIds.forEach((id, b) => out.push({ question_id: entries[indices[b]!]!.question_id, answer: answers[id]! }));
    } else {
      const width = questions.inputIds[0]!.length;
      const generated = generate(model.generationModel(), questions.inputIds, questions.attentionMask, hidden, {
        ...vqaGeneration(width), eosTokenId: tokenizer.eosId, padTokenId: tokenizer.padId,
      });
      generated.sequences.forEach((row, b) => out.push({ question_id: entries[indices[b]!]!.question_id, answer: decodeVqaAnswer(tokenizer, row, width) }));
    }
  });
  return out;
}

/** One row of Prism Shapes' `vqav2_test_answers.json`. */
export interface ShapesTestAnswer {
  question_id: number;
  answer: string;
  question_type: string;
  /** Colour or kind answers (version 3 on): every colour (kind) of the scene; null or absent otherwise. */
  in_scene?: string[] | null;
}

/** The answer type the official annotations would give an answer. */
function answerType(answer: string): string {
  if (answer === 'yes' || answer === 'no') return 'yes/no';
  return /^\d+$/.test(answer) ? 'number' : 'other';
}

/**
 * The rows of `{dataPath}/vqav2_test_answers.json` (Prism Shapes ships its test answers) for `questionIds`, checked;
 * null when data_path has no answers (VQAv2 test-dev is scored by the official server).
 */
export function readTestAnswers(dataPath: string, questionIds: readonly number[]): ShapesTestAnswer[] | null {
  const path = join(dataPath, 'vqav2_test_answers.json');
  if (!existsSync(path)) return null;
  const rows = JSON.parse(readFileSync(path, 'utf8')) as ShapesTestAnswer[];
  if (!Array.isArray(rows)) throw new Error(`${path}: expected a list of {question_id, answer, question_type}`);
  const wanted = new Set(questionIds);
  const picked = rows.filter((r) => wanted.has(r.question_id));
  picked.forEach((r, i) => {
    if (typeof r.answer !== 'string' || typeof r.question_type !== 'string') throw new Error(`${path}: entry ${i} needs string 'answer' and 'question_type'`);
    const inScene = r.in_scene;
    if (inScene !== undefined && inScene !== null && (!Array.isArray(inScene) || inScene.length === 0 || !inScene.every((v) => typeof v === 'string'))) {
      throw new Error(`${path}: question ${r.question_id} field 'in_scene' must be a non-empty list of answers or null`);
    }
  });
  if (picked.length !== wanted.size) throw new Error(`${path}: answers for ${picked.length} of ${wanted.size} test questions`);
  return picked;
}

/**
 * VQA annotations in the official format for a test set that ships its answers (Prism Shapes'
 * `vqav2_test_answers.json`: one answer per question, given as the ten human answers), restricted to
 * `questionIds`; null when data_path has no answers.
 */
export function testAnswerAnnotations(dataPath: string, questionIds: readonly number[]): { annotations: unknown[] } | null {
  const rows = readTestAnswers(dataPath, questionIds);
  if (!rows) return null;
  return {
    annotations: rows.map((r) => ({
      question_id: r.question_id, question_type: r.question_type, answer_type: answerType(r.answer), multiple_choice_answer: r.answer,
      answers: Array.from({ length: 10 }, (_, k) => ({ answer: r.answer, answer_confidence: 'yes', answer_id: k + 1 })),
    })),
  };
}

/** Scores VQA results with the official accuracy (per question type too); null without test answers. */
export function scoreTestAnswers(dataPath: string, results: readonly VqaResultEntry[]): VqaScores | null {
  const annotations = testAnswerAnnotations(dataPath, results.map((r) => r.question_id));
  if (!annotations) return null;
  return scoreVqa(parseVqaAnnotations(annotations, join(dataPath, 'vqav2_test_answers.json')), parseVqaResults(results, 'vqa results'));
}
