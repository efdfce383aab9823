/**
 * Typed readers and writers for the official Prismer data lists (the JSON files under `data_path`).
 * Field names stay exactly as in the official files, so a list read here and written back is a valid
 * official list. Every reader validates each entry and fails on the first bad one with the file,
 * the entry index and what was expected.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';

/** `coco_karpathy_train.json`, `vg_caption.json`: one caption per entry. */
export interface CaptionTrainEntry {
  image: string;
  caption: string;
  image_id?: string | number;
}

/** `coco_karpathy_test.json` (captions as a list) and `nocaps_val.json` (`img_id`). */
export interface CaptionTestEntry {
  image: string;
  caption?: string[];
  img_id?: string | number;
}

/** Official source dataset of a VQA entry: selects the label folder (`vqav2` or `vg`) and the loss weight. */
export type VqaSource = 'vqa' | 'vg';

/** `vqav2_train_val.json` and `vg_qa.json`: one (question, answer, weight) per entry; vg entries weigh 0.2. */
export interface VqaTrainEntry {
  image: string;
  question: string;
  answer: string;
  dataset: VqaSource;
  weight?: number;
  question_id?: number;
}

/** `vqav2_test.json`. */
export interface VqaTestEntry {
  image: string;
  question: string;
  question_id: number;
  dataset: VqaSource;
}

type Validator<T> = (entry: Record<string, unknown>, where: string) => T;

/** Parses `text` as a JSON array and validates each entry; `source` names the file in errors. */
export function parseDataList<T>(text: string, source: string, validate: Validator<T>): T[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of entries, got ${describe(parsed)}`);
  return parsed.map((entry, index) => {
    const where = `${source}: entry ${index}`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new Error(`${where}: expected an object, got ${describe(entry)}`);
    }
    return validate(entry as Record<string, unknown>, where);
  });
}

function readList<T>(path: string, validate: Validator<T>): T[] {
  return parseDataList(readFileSync(path, 'utf8'), path, validate);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${typeof value === 'object' ? '' : String(value)}`.trim();
}

function str(entry: Record<string, unknown>, key: string, where: string, nonEmpty = true): string {
  const value = entry[key];
  if (typeof value !== 'string') throw new Error(`${where}: field '${key}' must be a string, got ${value === undefined ? 'nothing' : describe(value)}`);
  if (nonEmpty && value.trim() === '') throw new Error(`${where}: field '${key}' must not be empty`);
  return value;
}

function optionalId(entry: Record<string, unknown>, key: string, where: string): string | number | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new Error(`${where}: field '${key}' must be a string or number, got ${describe(value)}`);
}

function integer(entry: Record<string, unknown>, key: string, where: string): number {
  const value = entry[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${where}: field '${key}' must be an integer, got ${value === undefined ? 'nothing' : describe(value)}`);
  }
  return value;
}

function source(entry: Record<string, unknown>, where: string): VqaSource {
  const value = entry.dataset;
  if (value !== 'vqa' && value !== 'vg') throw new Error(`${where}: field 'dataset' must be 'vqa' or 'vg', got ${value === undefined ? 'nothing' : describe(value)}`);
  return value;
}

export const validateCaptionTrainEntry: Validator<CaptionTrainEntry> = (entry, where) => {
  const out: CaptionTrainEntry = { image: str(entry, 'image', where), caption: str(entry, 'caption', where, false) };
  const id = optionalId(entry, 'image_id', where);
  if (id !== undefined) out.image_id = id;
  return out;
};

export const validateCaptionTestEntry: Validator<CaptionTestEntry> = (entry, where) => {
  const out: CaptionTestEntry = { image: str(entry, 'image', where) };
  const captions = entry.caption;
  if (captions !== undefined) {
    const list = typeof captions === 'string' ? [captions] : captions;
    if (!Array.isArray(list) || list.some((c) => typeof c !== 'string')) {
      throw new Error(`${where}: field 'caption' must be a string or a list of strings, got ${describe(captions)}`);
    }
    out.caption = list as string[];
  }
  const id = optionalId(entry, 'img_id', where);
  if (id !== undefined) out.img_id = id;
  return out;
};

export const validateVqaTrainEntry: Validator<VqaTrainEntry> = (entry, where) => {
  const dataset = source(entry, where);
  const answer = entry.answer;
  if (typeof answer !== 'string') {
    const hint = Array.isArray(answer) ? ' (the official lists hold one answer per entry: expand lists of answers into one entry each, with its weight)' : '';
    throw new Error(`${where}: field 'answer' must be a string, got ${answer === undefined ? 'nothing' : describe(answer)}${hint}`);
  }
  const out: VqaTrainEntry = { image: str(entry, 'image', where), question: str(entry, 'question', where), answer, dataset };
  const weight = entry.weight;
  if (weight !== undefined) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`${where}: field 'weight' must be a non-negative number, got ${describe(weight)}`);
    }
    out.weight = weight;
  } else if (dataset === 'vqa') {
    throw new Error(`${where}: field 'weight' is required for dataset 'vqa' entries (the official loader reads data['weight'])`);
  }
  const id = entry.question_id;
  if (id !== undefined) out.question_id = integer(entry, 'question_id', where);
  return out;
};

export const validateVqaTestEntry: Validator<VqaTestEntry> = (entry, where) => ({
  image: str(entry, 'image', where),
  question: str(entry, 'question', where),
  question_id: integer(entry, 'question_id', where),
  dataset: source(entry, where),
});

/** Loss weight of a training entry as the official VQA dataset computes it (vg: 0.2). */
export function vqaEntryWeight(entry: VqaTrainEntry): number {
  return entry.dataset === 'vg' ? 0.2 : (entry.weight ?? 1);
}

export function readCaptionTrainList(path: string): CaptionTrainEntry[] {
  return readList(path, validateCaptionTrainEntry);
}

export function readCaptionTestList(path: string): CaptionTestEntry[] {
  return readList(path, validateCaptionTestEntry);
}

export function readVqaTrainList(path: string): VqaTrainEntry[] {
  return readList(path, validateVqaTrainEntry);
}

export function readVqaTestList(path: string): VqaTestEntry[] {
  return readList(path, validateVqaTestEntry);
}

/** `answer_list.json` (and `imagenet_answer.json`): a JSON array of non-empty, distinct strings. */
export function parseAnswerList(text: string, source: string): string[] {
  const list = parseStringArray(text, source);
  const seen = new Map<string, number>();
  list.forEach((answer, index) => {
    if (answer.trim() === '') throw new Error(`${source}: entry ${index}: answer must not be empty`);
    const first = seen.get(answer);
    if (first !== undefined) throw new Error(`${source}: entry ${index}: answer ${JSON.stringify(answer)} repeats entry ${first}`);
    seen.set(answer, index);
  });
  return list;
}

function parseStringArray(text: string, source: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of strings, got ${describe(parsed)}`);
  parsed.forEach((value, index) => {
    if (typeof value !== 'string') throw new Error(`${source}: entry ${index}: expected a string, got ${describe(value)}`);
  });
  return parsed as string[];
}

export function readAnswerList(path: string): string[] {
  return parseAnswerList(readFileSync(path, 'utf8'), path);
}

/** `imagenet_class.json`: class folder name -> index into the answer list. */
export function parseClassIndex(text: string, source: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${source}: expected an object {class folder: index}, got ${describe(parsed)}`);
  }
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const index = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw new Error(`${source}: entry '${name}': expected a non-negative integer index, got ${describe(value)}`);
    }
    out.set(name, index);
  }
  return out;
}

export function readClassIndex(path: string): Map<string, number> {
  return parseClassIndex(readFileSync(path, 'utf8'), path);
}

/** Writes any official list as JSON (atomically); used by the synthetic generator and by tools. */
export function writeDataList(path: string, entries: readonly unknown[]): void {
  writeFileAtomic(path, `${JSON.stringify(entries)}\n`);
}

/** Official file names under `data_path`. */
export const DATA_LIST_FILES = {
  captionTrain: 'coco_karpathy_train.json',
  captionTest: 'coco_karpathy_test.json',
  nocapsVal: 'nocaps_val.json',
  vqaTrain: 'vqav2_train_val.json',
  vgQa: 'vg_qa.json',
  vqaTest: 'vqav2_test.json',
  answerList: 'answer_list.json',
  vgCaption: 'vg_caption.json',
} as const;
