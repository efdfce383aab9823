// The VQA accuracy of the official `VQAEval(vqa, vqaRes, n).evaluate()`: whitespace handling,
// normalisation only when the GT answers disagree, leave-one-out min(1, matches/3) over whole
// answer dicts, and Python 3 rounding of the per-question and aggregate percentages.
import type { QuestionId, VqaAnnotations, VqaAnswer, VqaQuestions, VqaResults } from './vqa-io.js';
import { normalizeVqaAnswer, type VqaNormalizeOptions } from './vqa-normalize.js';
import { from, type ColumnTable } from 'arquero';
import { pyRound, pyStrip, pySum } from './python-compat.js';

export interface VqaScoreOptions extends VqaNormalizeOptions {
  /** Decimals of every reported percentage (the official default n = 2). */
  decimals?: number;
}

export interface VqaQuestionScore {
  question_id: QuestionId;
  question_type: string;
  answer_type: string;
  /** Unrounded accuracy in [0, 1]. */
  accuracy: number;
  /** round(100 * accuracy, decimals): the official evalQA value. */
  evalQA: number;
  /** The prediction string that was compared. */
  predAsCompared: string;
  /** The GT answer strings that were compared. */
  gtAsCompared: string[];
}

export interface VqaScores {
  overall: number;
  perAnswerType: Record<string, number>;
  perQuestionType: Record<string, number>;
  /** round(100 * accuracy, decimals) by String(question_id) (JS lists integer-like keys in ascending order; perQuestion keeps annotation order). */
  evalQA: Record<string, number>;
  perQuestion: VqaQuestionScore[];
}

function stripAnswer(text: string): string {
  return pyStrip(text.replace(/\n/g, ' ').replace(/\t/g, ' '));
}

/** The non-answer fields of an answer dict, as a string equal for dicts Python's `==` finds equal. */
function otherFields(answer: VqaAnswer): string {
  const { answer_id: id, answer_confidence: confidence } = answer;
  if (typeof id === 'number' && typeof confidence === 'string' && Object.keys(answer).length === 3) return `${id}\u0000${confidence}`;
  const keys = Object.keys(answer).filter((k) => k !== 'answer').sort();
  return `\u0001${JSON.stringify(keys.map((k) => [k, answer[k]]))}`;
}

/**
 * Accuracy of one prediction against one question's GT answer dicts, exactly as the official loop
 * computes it (including its comparison of whole dicts for the leave-one-out).
 */
export function vqaQuestionAccuracy(answers: readonly VqaAnswer[], prediction: string, options: VqaNormalizeOptions = {}): { accuracy: number; predAsCompared: string; gtAsCompared: string[] } {
  let gts = answers.map((a) => stripAnswer(a.answer));
  let pred = stripAnswer(prediction);
  const disagree = gts.some((g) => g !== gts[0]);
  if (disagree || options.replicateOfficialQuirks === false) {
    gts = gts.map((g) => normalizeVqaAnswer(g, options));
    pred = normalizeVqaAnswer(pred, options);
  }
  // Leave-one-out over the dicts as the official code holds them after normalising in place: a
  // match counts unless its whole dict equals dict i (so identical dicts exclude each other).
  const matching: number[] = [];
  for (let j = 0; j < gts.length; j++) if (gts[j] === pred) matching.push(j);
  const fields = matching.length > 0 ? answers.map(otherFields) : [];
  const accs: number[] = [];
  for (let i = 0; i < answers.length; i++) {
    let matches = 0;
    for (const j of matching) if (gts[j] !== gts[i] || fields[j] !== fields[i]) matches++;
    accs.push(Math.min(1, matches / 3));
  }
  return { accuracy: pySum(accs) / accs.length, predAsCompared: pred, gtAsCompared: gts };
}

function groupPercent(groups: Map<string, number[]>, decimals: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, accs] of groups) out[key] = pyRound((100 * pySum(accs)) / accs.length, decimals);
  return out;
}

/**
 * Scores predictions against official-format annotations. Like the official `loadRes`, the
 * prediction question ids must equal the annotation question ids. `questions` is optional; when
 * given, every annotated question must be in it, and a 'Multiple Choice' task requires each
 * prediction to be one of the question's choices.
 */
export function scoreVqa(annotations: VqaAnnotations, results: VqaResults, questions?: VqaQuestions, options: VqaScoreOptions = {}): VqaScores {
  const decimals = options.decimals ?? 2;
  const annotated = new Set(annotations.annotations.map((a) => String(a.question_id)));
  for (const a of annotations.annotations) {
    if (!results.answers.has(String(a.question_id))) throw new Error(`${results.source}: no prediction for question_id ${a.question_id} (first missing in ${annotations.source} order; predictions must cover every annotated question)`);
  }
  for (const id of results.ids) {
    if (!annotated.has(String(id))) throw new Error(`${results.source}: question_id ${id} is not in ${annotations.source}`);
  }
  let questionById: Map<string, VqaQuestions['questions'][number]> | undefined;
  if (questions) {
    questionById = new Map(questions.questions.map((q) => [String(q.question_id), q]));
    for (const a of annotations.annotations) {
      if (!questionById.has(String(a.question_id))) throw new Error(`${questions.source}: no question for question_id ${a.question_id} of ${annotations.source}`);
    }
  }
  const perQuestion: VqaQuestionScore[] = [];
  const all: number[] = [];
  const byQuestionType = new Map<string, number[]>();
  const byAnswerType = new Map<string, number[]>();
  const evalQA: Record<string, number> = {};
  for (const a of annotations.annotations) {
    const prediction = results.answers.get(String(a.question_id))!;
    if (questions && questions.taskType === 'Multiple Choice') {
      const choices = questionById!.get(String(a.question_id))!.multiple_choices;
      if (!Array.isArray(choices) || !choices.includes(prediction)) throw new Error(`${results.source}: the prediction ${JSON.stringify(prediction)} for question_id ${a.question_id} is not one of its multiple choices in ${questions.source}`);
    }
    const { accuracy, predAsCompared, gtAsCompared } = vqaQuestionAccuracy(a.answers, prediction, options);
    all.push(accuracy);
    if (!byQuestionType.has(a.question_type)) byQuestionType.set(a.question_type, []);
    byQuestionType.get(a.question_type)!.push(accuracy);
    if (!byAnswerType.has(a.answer_type)) byAnswerType.set(a.answer_type, []);
    byAnswerType.get(a.answer_type)!.push(accuracy);
    const rounded = pyRound(100 * accuracy, decimals);
    evalQA[String(a.question_id)] = rounded;
    perQuestion.push({ question_id: a.question_id, question_type: a.question_type, answer_type: a.answer_type, accuracy, evalQA: rounded, predAsCompared, gtAsCompared });
  }
  return {
    overall: pyRound((100 * pySum(all)) / all.length, decimals),
    perAnswerType: groupPercent(byAnswerType, decimals),
    perQuestionType: groupPercent(byQuestionType, decimals),
    evalQA,
    perQuestion,
  };
}

/** The per-question results as an arquero table (question_id, question_type, answer_type, accuracy, evalQA, predAsCompared). */
export function vqaPerQuestionTable(scores: VqaScores): ColumnTable {
  return from(scores.perQuestion.map(({ gtAsCompared: _gt, ...row }) => row));
}
