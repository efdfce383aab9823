/**
 * Few-shot classification as the official `Classification` dataset and train_classification.py:
 * ImageNet-style class folders (`{data_path}/imagenet_train/{class}/*.JPEG`, the first `shots` files of
 * each class, and `{data_path}/imagenet/{class}/*.JPEG` for testing), class names in
 * `imagenet/imagenet_answer.json`, folder -> index in `imagenet/imagenet_class.json`. Training uses the
 * caption loss on `'{prefix} {class name lower-cased}'`; testing ranks every class name after the prefix
 * (the caption model's `rank` inference) and counts top-1 hits.
 */
import { join } from 'node:path';
import { readAnswerList, readClassIndex } from '../data/formats.js';
import { loadPrismerSample, type DatasetPaths, type PrismerDataset, type PrismerSample } from '../data/datasets.js';
import type { LabelExpert } from '../data/expert-labels.js';
import { listClassificationImages } from '../data/folders.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { rankAnswers } from '../inference/rank.js';
import type { Prismer } from '../model/prismer.js';
import { captionAnswerBatch, captionPrefixBatch } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { disposeBatchInputs, prismerBatchInputs } from './batch-inputs.js';
import type { ExperimentSetup } from './experiment.js';
import { SampleSource } from './tasks.js';

/** Official folder and file names under data_path. */
export const CLASSIFICATION_FILES = {
  trainFolder: 'imagenet_train',
  testFolder: 'imagenet',
  answers: 'imagenet/imagenet_answer.json',
  classes: 'imagenet/imagenet_class.json',
} as const;

export interface ClassificationEntry {
  /** `{class folder}/{file}` relative to the split folder (also the label file name). */
  image: string;
  className: string;
  /** Index into the answer list (from imagenet_class.json). */
  label: number;
}

/** The class names (answer list) and folder -> index map of a classification data_path, checked against each other. */
export function readClassificationClasses(dataPath: string): { answers: string[]; classIndex: Map<string, number> } {
  const answersPath = join(dataPath, CLASSIFICATION_FILES.answers);
  const classesPath = join(dataPath, CLASSIFICATION_FILES.classes);
  const answers = readAnswerList(answersPath);
  const classIndex = readClassIndex(classesPath);
  for (const [name, index] of classIndex) {
    if (index >= answers.length) throw new Error(`${classesPath}: entry '${name}': index ${index} is past the end of ${answersPath} (${answers.length} class names)`);
  }
  return { answers, classIndex };
}

/** Lists a split: train takes the first `shots` images (sorted by name) of each class folder. */
export function listClassificationEntries(dataPath: string, train: boolean, classIndex: ReadonlyMap<string, number>, shots: number | null): ClassificationEntry[] {
  const folder = train ? CLASSIFICATION_FILES.trainFolder : CLASSIFICATION_FILES.testFolder;
  const root = join(dataPath, folder);
  const images = listClassificationImages(root, train && shots !== null ? shots : undefined);
  return images.map(({ image, className }) => {
    const label = classIndex.get(className);
    if (label === undefined) throw new Error(`${join(dataPath, CLASSIFICATION_FILES.classes)}: no entry for the class folder '${className}' of ${root}`);
    return { image: `${className}/${image.split(/[\\/]/).pop()!}`, className, label };
  });
}

/** The official `Classification` dataset: train samples carry `'{prefix} {name.lower()}'` (no pre_caption, as the official code). */
export class ClassificationDataset implements PrismerDataset {
  readonly fallbacks: LabelFallbackCounter;
  constructor(
    private readonly paths: DatasetPaths, readonly train: boolean, readonly entries: readonly ClassificationEntry[],
    readonly answers: readonly string[], readonly prefix: string,
  ) {
    this.fallbacks = paths.fallbacks ?? new LabelFallbackCounter();
  }
  get length(): number { return this.entries.length; }
  get resolution(): number { return this.paths.transform.resolution; }
  get labelResolution(): number { return this.paths.transform.labelResolution ?? 224; }
  get experts(): readonly LabelExpert[] { return this.paths.experts; }
  /** The images' folder under data_path, also the labels' dataset folder. */
  get folder(): string { return this.train ? CLASSIFICATION_FILES.trainFolder : CLASSIFICATION_FILES.testFolder; }
  /** Whether samples go through the random train transform (then `load` needs a seed). */
  get augments(): boolean { return this.paths.transform.train === true; }

  async load(index: number, seed?: number): Promise<PrismerSample> {
    const entry = this.entries[index];
    if (entry === undefined) throw new Error(`classification dataset index ${index} out of range (length ${this.entries.length})`);
    const { rgb, experts } = await loadPrismerSample(this.paths, this.folder, this.folder, entry.image, this.fallbacks, seed);
    const sample: PrismerSample = { index, rgb, experts };
    if (this.train) sample.caption = `${this.prefix} ${this.answers[entry.label]!.toLowerCase()}`;
    return sample;
  }
}

/**
 * The train and test sets of a classification experiment. The official test set is built with
 * `Transform(train=True)`, so test images are randomly cropped, flipped and augmented too; that is the
 * default here (`data.augment_test: null`) whenever training augments.
 */
export function classificationDatasets(setup: ExperimentSetup, fallbacks = new LabelFallbackCounter()): { train: ClassificationDataset; test: ClassificationDataset; testAugment: boolean } {
  const c = setup.config;
  const { answers, classIndex } = readClassificationClasses(setup.dataPath);
  const testAugment = c.data.augment_test ?? setup.augment;
  const paths = (train: boolean): DatasetPaths => ({
    dataPath: setup.dataPath, labelPath: setup.labelPath, experts: setup.experts, tables: setup.tables, fallbacks,
    transform: { resolution: c.image_resolution, labelResolution: setup.labelResolution, train },
  });
  const limit = <T>(items: T[], max: number | null): T[] => (max === null ? items : items.slice(0, max));
  const trainEntries = limit(listClassificationEntries(setup.dataPath, true, classIndex, c.shots), c.data.max_train_examples);
  const testEntries = limit(listClassificationEntries(setup.dataPath, false, classIndex, null), c.data.max_test_examples);
  if (trainEntries.length === 0) throw new Error(`${join(setup.dataPath, CLASSIFICATION_FILES.trainFolder)}: no .JPEG images in its class folders`);
  return {
    train: new ClassificationDataset(paths(setup.augment), true, trainEntries, answers, c.prefix),
    test: new ClassificationDataset(paths(testAugment), false, testEntries, answers, c.prefix),
    testAugment,
  };
}

export interface ClassificationPrediction {
  image: string;
  /** Ground-truth class folder and index. */
  class: string;
  label: number;
  /** Predicted index into the answer list and its name. */
  prediction: number;
  answer: string;
}

/**
 * Classifies every test image as the official evaluation: rank the lower-cased class names after the
 * prefix, keeping the `kTest` classes with the most probable first token. `seed` drives the random test
 * transform when the dataset augments (the official quirk).
 */
export async function classifyTestImages(
  model: Prismer, tokenizer: TextTokenizer, dataset: ClassificationDataset,
  options: { prefix: string; batchSize: number; kTest: number; seed?: number; onProgress?: (done: number, total: number) => void },
): Promise<ClassificationPrediction[]> {
  const source = new SampleSource(dataset, dataset.augments, false);
  const candidates = captionAnswerBatch(tokenizer, dataset.answers);
  const kTest = Math.min(options.kTest, dataset.answers.length);
  const out: ClassificationPrediction[] = [];
  for (let start = 0; start < dataset.length; start += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, dataset.length - start) }, (_, i) => start + i);
    const batch = await source.collate(indices, options.seed ?? 0);
    const inputs = prismerBatchInputs(batch, dataset.experts);
    const hidden = model.encode(inputs);
    disposeBatchInputs(inputs);
    try {
      const prompt = captionPrefixBatch(tokenizer, options.prefix, indices.length);
      const ranked = rankAnswers(model.rankDecoder(), hidden, prompt, candidates, { kTest, padId: tokenizer.padId });
      ranked.maxIds.forEach((id, b) => {
        const entry = dataset.entries[indices[b]!]!;
        out.push({ image: entry.image, class: entry.className, label: entry.label, prediction: id, answer: dataset.answers[id]! });
      });
    } finally {
      hidden.dispose();
    }
    options.onProgress?.(Math.min(dataset.length, start + options.batchSize), dataset.length);
  }
  return out;
}

export interface ClassificationScores {
  /** Top-1 accuracy in [0, 1] (the official `{shots}-Shot Acc`). */
  accuracy: number;
  count: number;
  /** Accuracy per ground-truth class folder. */
  perClass: Record<string, number>;
}

/** Top-1 accuracy overall and per class. */
export function scoreClassification(predictions: readonly ClassificationPrediction[]): ClassificationScores {
  if (predictions.length === 0) throw new Error('scoreClassification: no predictions to score');
  const hits = new Map<string, [number, number]>();
  let correct = 0;
  for (const p of predictions) {
    const ok = p.prediction === p.label ? 1 : 0;
    correct += ok;
    const row = hits.get(p.class) ?? [0, 0];
    row[0] += ok;
    row[1] += 1;
    hits.set(p.class, row);
  }
  const perClass: Record<string, number> = {};
  for (const name of [...hits.keys()].sort()) perClass[name] = hits.get(name)![0] / hits.get(name)![1];
  return { accuracy: correct / predictions.length, count: predictions.length, perClass };
}
