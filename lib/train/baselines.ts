import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreCaptions, type CaptionScores } from '../metrics/captions.js';
import { parseVqaAnnotations, parseVqaResults } from '../metrics/vqa-io.js';
import { scoreVqa, type VqaScores } from '../metrics/vqa.js';
import { captionImageId, readTestAnswers, testAnswerAnnotations, type VqaResultEntry } from './evaluate.js';
import type { CaptionTestEntry, CaptionTrainEntry } from '../data/formats.js';

/**
 * Baselines that a model must beat to show it looks at the image: the best single answer per question
 * type (a "prior" that knows the question type and the test answer distribution, so it upper-bounds any
 * answer prior learnt from the training set) and the best constant caption.
 */

export interface AnswerPriorBaseline {
  /** The constant answer given to every question of a type. */
  answers: Record<string, string>;
  results: VqaResultEntry[];
  scores: VqaScores;
}

/** For each question type the most frequent test answer, predicted for every question of the type, scored officially. */
export function bestAnswerPerQuestionType(dataPath: string, questionIds: readonly number[]): AnswerPriorBaseline | null {
  const annotations = testAnswerAnnotations(dataPath, questionIds);
  if (!annotations) return null;
  const rows = annotations.annotations as Array<{ question_id: number; question_type: string; multiple_choice_answer: string }>;
  const counts = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const byAnswer = counts.get(r.question_type) ?? new Map<string, number>();
    byAnswer.set(r.multiple_choice_answer, (byAnswer.get(r.multiple_choice_answer) ?? 0) + 1);
    counts.set(r.question_type, byAnswer);
  }
  const answers: Record<string, string> = {};
  for (const [type, byAnswer] of counts) {
    // Ties go to the alphabetically first answer, so the baseline is deterministic.
    answers[type] = [...byAnswer.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  }
  const results = rows.map((r) => ({ question_id: r.question_id, answer: answers[r.question_type]! }));
  const scores = scoreVqa(parseVqaAnnotations(annotations, 'test answers'), parseVqaResults(results, 'answer prior'));
  return { answers, results, scores };
}

/**
 * Expected accuracy (%) per question type of answering with one of the scene's colours (or kinds) picked at random,
 * for the Prism Shapes questions whose answer names one (`in_scene` in `vqav2_test_answers.json`): what a model
 * scores that knows which colours and kinds the image holds but not which object a question means. Null when the
 * test answers carry no `in_scene` (other data, or Prism Shapes before version 3).
 */
export function answerInSceneBaseline(dataPath: string, questionIds: readonly number[]): Record<string, number> | null {
  const rows = readTestAnswers(dataPath, questionIds);
  const sums = new Map<string, { total: number; count: number }>();
  for (const r of rows ?? []) {
    if (!r.in_scene) continue;
    const sum = sums.get(r.question_type) ?? { total: 0, count: 0 };
    sum.total += r.in_scene.includes(r.answer) ? 1 / r.in_scene.length : 0;
    sum.count += 1;
    sums.set(r.question_type, sum);
  }
  if (sums.size === 0) return null;
  return Object.fromEntries([...sums].map(([type, { total, count }]) => [type, (100 * total) / count]));
}

export interface ConstantCaptionBaseline {
  caption: string;
  scores: CaptionScores;
  /** How many candidate captions were tried. */
  candidates: number;
}

/**
 * The best constant caption: each of the `candidates` most frequent training captions is given to every
 * test image, and the one with the highest CIDEr-D wins.
 */
export function bestConstantCaption(dataPath: string, testEntries: readonly CaptionTestEntry[], candidates = 20): ConstantCaptionBaseline {
  const trainPath = join(dataPath, 'coco_karpathy_train.json');
  if (!existsSync(trainPath)) throw new Error(`${trainPath}: needed for the constant-caption baseline`);
  const train = JSON.parse(readFileSync(trainPath, 'utf8')) as CaptionTrainEntry[];
  const counts = new Map<string, number>();
  for (const e of train) counts.set(e.caption, (counts.get(e.caption) ?? 0) + 1);
  const pool = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, candidates).map(([c]) => c);
  const refs: Record<string, string[]> = {};
  for (const entry of testEntries) refs[String(captionImageId(entry))] = entry.caption ?? [];
  let best: ConstantCaptionBaseline | null = null;
  for (const caption of pool) {
    const text = `${caption.charAt(0).toUpperCase()}${caption.slice(1)}.`;
    const scores = scoreCaptions(refs, testEntries.map((e) => ({ image_id: captionImageId(e), caption: text })));
    if (!best || scores.corpus.CIDEr > best.scores.corpus.CIDEr) best = { caption: text, scores, candidates: pool.length };
  }
  if (!best) throw new Error(`${trainPath}: no training captions`);
  return best;
}
