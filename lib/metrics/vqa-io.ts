// The official VQA file formats: annotations {annotations: [...]}, questions {task_type, questions: [...]},
// results [{question_id, answer}]. Every error names the file and the first offending entry.
import { describeValue, isJsonId, isRecord, jsonKind, readJsonInput } from './json-input.js';

export type QuestionId = number | string;

/** One GT answer dict; extra keys are kept because the official leave-one-out compares whole dicts. */
export interface VqaAnswer {
  answer: string;
  answer_confidence?: string;
  answer_id?: number | string;
  [key: string]: unknown;
}

export interface VqaAnnotation {
  question_id: QuestionId;
  image_id?: number | string;
  question_type: string;
  answer_type: string;
  multiple_choice_answer?: string;
  answers: VqaAnswer[];
}

export interface VqaAnnotations {
  source: string;
  /** In file order: the order the official evaluation iterates in. */
  annotations: VqaAnnotation[];
}

export interface VqaQuestion {
  question_id: QuestionId;
  image_id?: number | string;
  question: string;
  multiple_choices?: string[];
}

export interface VqaQuestions {
  source: string;
  taskType: string;
  questions: VqaQuestion[];
}

export interface VqaResults {
  source: string;
  /** Predictions by String(question_id). */
  answers: Map<string, string>;
  /** The question ids in file order. */
  ids: QuestionId[];
}

export function parseVqaAnnotations(json: unknown, source = 'annotations'): VqaAnnotations {
  if (!isRecord(json)) throw new Error(`${source}: expected an object {"annotations": [...]}, got ${jsonKind(json)}`);
  const list = json.annotations;
  if (!Array.isArray(list)) throw new Error(`${source}: "annotations" must be an array, got ${jsonKind(list)}`);
  if (list.length === 0) throw new Error(`${source}: "annotations" is empty`);
  const seen = new Set<string>();
  list.forEach((a, i) => {
    const at = `${source}: annotations[${i}]`;
    if (!isRecord(a)) throw new Error(`${at} must be an object, got ${describeValue(a)}`);
    if (!isJsonId(a.question_id)) throw new Error(`${at}.question_id must be an integer or string, got ${describeValue(a.question_id)}`);
    const q = `(question_id ${a.question_id})`;
    if (seen.has(String(a.question_id))) throw new Error(`${at}: duplicate question_id ${a.question_id}`);
    seen.add(String(a.question_id));
    if (typeof a.question_type !== 'string') throw new Error(`${at}.question_type must be a string, got ${describeValue(a.question_type)} ${q}`);
    if (typeof a.answer_type !== 'string') throw new Error(`${at}.answer_type must be a string, got ${describeValue(a.answer_type)} ${q}`);
    if (!Array.isArray(a.answers) || a.answers.length === 0) throw new Error(`${at}.answers must be a non-empty array of {answer, answer_confidence, answer_id}, got ${describeValue(a.answers)} ${q}`);
    a.answers.forEach((ans: unknown, j: number) => {
      if (!isRecord(ans) || typeof ans.answer !== 'string') throw new Error(`${at}.answers[${j}] must be an object with a string "answer", got ${describeValue(ans)} ${q}`);
    });
  });
  return { source, annotations: list as VqaAnnotation[] };
}

export function parseVqaQuestions(json: unknown, source = 'questions'): VqaQuestions {
  if (!isRecord(json)) throw new Error(`${source}: expected an object {"questions": [...]}, got ${jsonKind(json)}`);
  const list = json.questions;
  if (!Array.isArray(list)) throw new Error(`${source}: "questions" must be an array, got ${jsonKind(list)}`);
  if (list.length === 0) throw new Error(`${source}: "questions" is empty`);
  list.forEach((q, i) => {
    if (!isRecord(q) || !isJsonId(q.question_id)) throw new Error(`${source}: questions[${i}] must be an object with an integer or string "question_id", got ${describeValue(q)}`);
    if (q.question !== undefined && typeof q.question !== 'string') throw new Error(`${source}: questions[${i}].question must be a string, got ${describeValue(q.question)} (question_id ${q.question_id})`);
  });
  const taskType = json.task_type === undefined ? 'Open-Ended' : json.task_type;
  if (typeof taskType !== 'string') throw new Error(`${source}: "task_type" must be a string, got ${describeValue(taskType)}`);
  return { source, taskType, questions: list as VqaQuestion[] };
}

export interface VqaResultsOptions {
  /** The official loader keeps the last of several predictions for one question; by default this is an error. */
  allowDuplicateResults?: boolean;
}

export function parseVqaResults(json: unknown, source = 'results', options: VqaResultsOptions = {}): VqaResults {
  if (!Array.isArray(json)) throw new Error(`${source}: results must be an array of {question_id, answer}, got ${jsonKind(json)}`);
  if (json.length === 0) throw new Error(`${source}: the results list is empty`);
  const answers = new Map<string, string>();
  const ids: QuestionId[] = [];
  json.forEach((r, i) => {
    if (!isRecord(r)) throw new Error(`${source}: entry [${i}] must be an object {question_id, answer}, got ${describeValue(r)}`);
    if (!isJsonId(r.question_id)) throw new Error(`${source}: entry [${i}].question_id must be an integer or string, got ${describeValue(r.question_id)}`);
    if (typeof r.answer !== 'string') throw new Error(`${source}: entry [${i}].answer must be a string, got ${describeValue(r.answer)} (question_id ${r.question_id})`);
    const key = String(r.question_id);
    if (answers.has(key)) {
      if (!options.allowDuplicateResults) throw new Error(`${source}: entry [${i}] is a second prediction for question_id ${r.question_id} (the official loader would silently keep the last one)`);
    } else ids.push(r.question_id);
    answers.set(key, r.answer);
  });
  return { source, answers, ids };
}

export function loadVqaAnnotations(path: string): VqaAnnotations {
  return parseVqaAnnotations(readJsonInput(path), path);
}

export function loadVqaQuestions(path: string): VqaQuestions {
  return parseVqaQuestions(readJsonInput(path), path);
}

export function loadVqaResults(path: string, options: VqaResultsOptions = {}): VqaResults {
  return parseVqaResults(readJsonInput(path), path, options);
}
