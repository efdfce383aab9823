/**
 * The official caption and VQA datasets as sample loaders: each sample is the decoded image and its
 * expert labels through `Transform` and `post_label_process`, plus its text (caption with the prefix
 * through `pre_caption`, or question through `pre_question` with answer and weight).
 */
import { join } from 'node:path';
import { preCaption, preQuestion } from '../text/preprocess.js';
import { decodeRgb } from './decode.js';
import { readExpertLabels, type LabelExpert } from './expert-labels.js';
import type { ExpertFeatureTables } from './feature-tables.js';
import {
  DATA_LIST_FILES, readAnswerList, readCaptionTestList, readCaptionTrainList, readVqaTestList, readVqaTrainList, vqaEntryWeight,
  type CaptionTestEntry, type CaptionTrainEntry, type VqaTestEntry, type VqaTrainEntry,
} from './formats.js';
import { LabelFallbackCounter } from './label-fallbacks.js';
import { postLabelProcessCompact, type CompactExpertInputs } from './post-label.js';
import { SeededRng } from './rng.js';
import { applyPrismerTransform, type PrismerTransformOptions } from './transform.js';

/** What a sample says in words: the fields `load` adds to the pixels, readable without decoding them. */
export type PrismerSampleText = Pick<PrismerSample, 'index' | 'caption' | 'question' | 'answer' | 'weight' | 'questionId'>;

/** One processed sample: model inputs plus whatever text the task needs. */
export interface PrismerSample {
  index: number;
  /** [3, R, R] normalised. */
  rgb: Float32Array;
  /** Expert inputs after `post_label_process`; 64-channel experts compact (`expandExpertInputs` gives dense arrays). */
  experts: CompactExpertInputs;
  caption?: string;
  question?: string;
  answer?: string;
  weight?: number;
  questionId?: number;
}

/**
 * Anything the loader can batch: a length and an async sample reader. `seed` drives the train
 * transform's random ops (required when the transform trains, ignored otherwise).
 */
export interface PrismerDataset {
  readonly length: number;
  readonly resolution: number;
  readonly labelResolution: number;
  readonly experts: readonly LabelExpert[];
  readonly fallbacks: LabelFallbackCounter;
  load(index: number, seed?: number): Promise<PrismerSample>;
  /** Which image sample `index` shows (`<folder>/<file>`): samples with one key share pixels and labels. */
  imageKey?(index: number): string;
  /** The text fields of sample `index` (caption, question, answer, weight, question id) without decoding its image. */
  text?(index: number): PrismerSampleText;
  /** A structured-clonable description from which a worker thread rebuilds the same dataset. */
  spec?(): PrismerDatasetSpec;
}

/** One dataset index per distinct image (`imageKey`), in first-seen order; every index when the dataset has no keys. */
export function distinctImageIndices(dataset: PrismerDataset): number[] {
  if (!dataset.imageKey) return Array.from({ length: dataset.length }, (_, i) => i);
  const seen = new Set<string>();
  const indices: number[] = [];
  for (let i = 0; i < dataset.length; i++) {
    const key = dataset.imageKey(i);
    if (!seen.has(key)) {
      seen.add(key);
      indices.push(i);
    }
  }
  return indices;
}

/** What `DatasetPaths` holds minus the fallback counter (each side keeps its own). */
export type DatasetPathsSpec = Omit<DatasetPaths, 'fallbacks'>;

export type PrismerDatasetSpec =
  | { kind: 'caption'; paths: DatasetPathsSpec; split: CaptionSplit; prefix: string; entries: Array<CaptionTrainEntry | CaptionTestEntry> }
  | { kind: 'vqa'; paths: DatasetPathsSpec; train: boolean; entries: Array<VqaTrainEntry | VqaTestEntry>; answerList?: string[] };

/** Rebuilds a dataset from its spec (in a worker thread). */
export function datasetFromSpec(spec: PrismerDatasetSpec, fallbacks: LabelFallbackCounter): PrismerDataset {
  const paths: DatasetPaths = { ...spec.paths, fallbacks };
  return spec.kind === 'caption'
    ? new CaptionDataset(paths, spec.split, spec.prefix, spec.entries)
    : new VqaDataset(paths, spec.train, [], spec.entries, spec.answerList);
}

export interface DatasetPaths {
  /** Official `data_path`: data lists and image folders. */
  dataPath: string;
  /** Official `label_path`: `{expert}/{dataset}/...`. */
  labelPath: string;
  /** Experts to load (official `experts`; [] for PrismerZ). */
  experts: readonly LabelExpert[];
  tables: ExpertFeatureTables;
  transform: PrismerTransformOptions;
  fallbacks?: LabelFallbackCounter;
}

/** Loads one image + labels through the official pipeline. `imageDataset` is the images' sub-folder and the labels' dataset folder. */
export async function loadPrismerSample(paths: DatasetPaths, imageFolder: string, labelDataset: string, image: string, fallbacks: LabelFallbackCounter, seed?: number): Promise<{ rgb: Float32Array; experts: CompactExpertInputs }> {
  const imagePath = join(paths.dataPath, imageFolder, image);
  const decoded = await decodeRgb(imagePath);
  const set = await readExpertLabels({
    labelPath: paths.labelPath, dataset: labelDataset, image, experts: paths.experts,
    imageWidth: decoded.width, imageHeight: decoded.height, fallbacks,
  });
  const transformed = await applyPrismerTransform(decoded, set.labels, paths.transform, seed === undefined ? undefined : new SeededRng(seed));
  const experts = postLabelProcessCompact(transformed.labels, set, paths.tables, imagePath);
  return { rgb: transformed.rgb, experts };
}

abstract class ListDataset<T extends { image: string }> implements PrismerDataset {
  readonly fallbacks: LabelFallbackCounter;
  constructor(protected readonly paths: DatasetPaths, readonly entries: readonly T[]) {
    this.fallbacks = paths.fallbacks ?? new LabelFallbackCounter();
  }
  get length(): number { return this.entries.length; }
  get resolution(): number { return this.paths.transform.resolution; }
  get labelResolution(): number { return this.paths.transform.labelResolution ?? 224; }
  get experts(): readonly LabelExpert[] { return this.paths.experts; }
  protected entry(index: number): T {
    const entry = this.entries[index];
    if (entry === undefined) throw new Error(`dataset index ${index} out of range (length ${this.entries.length})`);
    return entry;
  }
  protected pathsSpec(): DatasetPathsSpec {
    const { fallbacks: _unused, ...rest } = this.paths;
    return rest;
  }
  abstract text(index: number): PrismerSampleText;
  /** The image folder (also the labels' dataset folder) of sample `index`. */
  protected abstract folderOf(index: number): string;

  imageKey(index: number): string {
    return `${this.folderOf(index)}/${this.entry(index).image}`;
  }

  async load(index: number, seed?: number): Promise<PrismerSample> {
    const folder = this.folderOf(index);
    const { rgb, experts } = await loadPrismerSample(this.paths, folder, folder, this.entry(index).image, this.fallbacks, seed);
    return { ...this.text(index), rgb, experts };
  }
}

export type CaptionSplit = 'train' | 'test' | 'nocaps';

/**
 * Official Caption dataset: train reads `coco_karpathy_train.json`, test `coco_karpathy_test.json` or
 * `nocaps_val.json`. Images live under `data_path/<folder>/image` where the official code uses
 * 'vqav2' for COCO and 'nocaps' for NoCaps (also the labels' dataset folder).
 */
export class CaptionDataset extends ListDataset<CaptionTrainEntry | CaptionTestEntry> {
  constructor(paths: DatasetPaths, readonly split: CaptionSplit, readonly prefix = 'A picture of', entries?: ReadonlyArray<CaptionTrainEntry | CaptionTestEntry>) {
    super(paths, entries ?? (split === 'train'
      ? readCaptionTrainList(join(paths.dataPath, DATA_LIST_FILES.captionTrain))
      : split === 'test' ? readCaptionTestList(join(paths.dataPath, DATA_LIST_FILES.captionTest))
        : readCaptionTestList(join(paths.dataPath, DATA_LIST_FILES.nocapsVal))));
  }

  spec(): PrismerDatasetSpec {
    return { kind: 'caption', paths: this.pathsSpec(), split: this.split, prefix: this.prefix, entries: [...this.entries] };
  }

  /** The image folder (also the labels' dataset folder): 'nocaps' for NoCaps, 'vqav2' for COCO. */
  protected folderOf(): string {
    return this.split === 'nocaps' ? 'nocaps' : 'vqav2';
  }

  text(index: number): PrismerSampleText {
    const entry = this.entry(index);
    return this.split === 'train' ? { index, caption: preCaption(`${this.prefix} ${(entry as CaptionTrainEntry).caption}`, 30) } : { index };
  }
}

/** A VQA entry's image folder (also the labels' dataset folder): 'vg' for Visual Genome, 'vqav2' for COCO. */
function vqaImageFolder(entry: VqaTrainEntry | VqaTestEntry): string {
  return entry.dataset === 'vg' ? 'vg' : 'vqav2';
}

/** Official VQA dataset: train = `vqav2_train_val.json` (+ `vg_qa.json`), test = `vqav2_test.json` with `answer_list.json`. */
export class VqaDataset extends ListDataset<VqaTrainEntry | VqaTestEntry> {
  readonly answerList?: string[];

  constructor(paths: DatasetPaths, readonly train: boolean, sources: ReadonlyArray<'vqav2' | 'vg'> = ['vqav2', 'vg'], entries?: ReadonlyArray<VqaTrainEntry | VqaTestEntry>, answerList?: string[]) {
    const list = entries ?? (train
      ? [
        ...(sources.includes('vqav2') ? readVqaTrainList(join(paths.dataPath, DATA_LIST_FILES.vqaTrain)) : []),
        ...(sources.includes('vg') ? readVqaTrainList(join(paths.dataPath, DATA_LIST_FILES.vgQa)) : []),
      ]
      : readVqaTestList(join(paths.dataPath, DATA_LIST_FILES.vqaTest)));
    super(paths, list);
    if (!train) this.answerList = answerList ?? readAnswerList(join(paths.dataPath, DATA_LIST_FILES.answerList));
  }

  spec(): PrismerDatasetSpec {
    return { kind: 'vqa', paths: this.pathsSpec(), train: this.train, entries: [...this.entries], answerList: this.answerList };
  }

  protected folderOf(index: number): string {
    return vqaImageFolder(this.entry(index));
  }

  text(index: number): PrismerSampleText {
    const entry = this.entry(index);
    const sample: PrismerSampleText = { index, question: preQuestion(entry.question, 30) };
    if (this.train) {
      const e = entry as VqaTrainEntry;
      sample.answer = e.answer;
      sample.weight = vqaEntryWeight(e);
    } else {
      sample.questionId = (entry as VqaTestEntry).question_id;
    }
    return sample;
  }
}
