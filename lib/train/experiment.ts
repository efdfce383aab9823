import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { CaptionDataset, VqaDataset, type DatasetPaths } from '../data/datasets.js';
import type { LabelExpert } from '../data/expert-labels.js';
import { readFeatureTables, type ExpertFeatureTables } from '../data/feature-tables.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { generatePrismShapes, PRISM_SHAPES_VERSION } from '../data/synthetic/generate.js';
import { prismerHome, tokenizerDir } from '../hub/catalog.js';
import { defaultFeatureTablesDir } from '../inference/image-inputs.js';
import { PrismerCaption } from '../model/prismer-caption.js';
import { PrismerVQA } from '../model/prismer-vqa.js';
import { prismerConfigForSize } from '../model/prismer.js';
import { getModelSize, overrideModelSize, type ModelSize } from '../model/sizes.js';
import { loadRobertaTokenizer } from '../text/roberta-bpe.js';
import type { TextTokenizer } from '../text/tokenizer.js';

/**
 * Everything an experiment config points at, resolved once: data folders (Prism Shapes generated on
 * first use and cached), the tokenizer, the feature tables, the model size. Train, eval and start
 * share it, so they read the same data the same way.
 */
export interface ExperimentSetup {
  config: ExperimentConfig;
  /** data_path / label_path as absolute paths. */
  dataPath: string;
  labelPath: string;
  tokenizer: TextTokenizer;
  tables: ExpertFeatureTables;
  size: ModelSize;
  /** The label side the transform resizes expert labels to (official 224; the synthetic label size otherwise). */
  labelResolution: number;
  /** Whether training applies the official random transform (crop, flip, RandAugment). */
  augment: boolean;
  experts: LabelExpert[];
  /** Where Prism Shapes lives when the data are synthetic. */
  syntheticRoot: string | null;
}

interface ShapesMetadata {
  version?: number;
  seed?: number;
  size?: number;
  counts?: { trainScenes?: number; testScenes?: number };
}

/**
 * Generates Prism Shapes under `root` unless an identical set is already there (same generator version,
 * seed, image size and split sizes). Returns whether it generated.
 */
export async function ensurePrismShapes(root: string, options: { seed: number; trainImages: number; testImages: number; imageSize: number }, log: (line: string) => void = () => undefined): Promise<boolean> {
  const metaPath = join(root, 'prism_shapes.json');
  if (existsSync(metaPath)) {
    let meta: ShapesMetadata = {};
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as ShapesMetadata;
    } catch {
      meta = {};
    }
    if (meta.version === PRISM_SHAPES_VERSION && meta.seed === options.seed && meta.size === options.imageSize
      && meta.counts?.trainScenes === options.trainImages && meta.counts?.testScenes === options.testImages) return false;
    log(`${root}: cached Prism Shapes differ from the config; regenerating`);
  }
  const n = options.trainImages + options.testImages;
  const started = Date.now();
  const summary = await generatePrismShapes({ out: root, n, seed: options.seed, size: options.imageSize, testFraction: options.testImages / n, force: true });
  log(`generated Prism Shapes in ${root}: ${summary.trainScenes} train / ${summary.testScenes} test scenes, ${summary.trainQuestions}+${summary.testQuestions} questions, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

const LABEL_EXPERT_NAMES: readonly string[] = ['depth', 'normal', 'seg_coco', 'seg_ade', 'edge', 'obj_detection', 'ocr_detection'];

/** Resolves an experiment (generating Prism Shapes if the config asks for synthetic data). */
export async function prepareExperiment(config: ExperimentConfig, log: (line: string) => void = () => undefined): Promise<ExperimentSetup> {
  const dataPath = resolve(config.data_path);
  const labelPath = resolve(config.label_path);
  const experts = (config.experts as string[]).filter((e): e is LabelExpert => LABEL_EXPERT_NAMES.includes(e));
  let syntheticRoot: string | null = null;
  let tokenizer: TextTokenizer;
  let tables: ExpertFeatureTables;
  let labelResolution = 224;
  let augment = true;
  if (config.data.source === 'synthetic') {
    // The generator writes <root>/data, <root>/labels, <root>/tables, <root>/tokenizer.
    syntheticRoot = dirname(dataPath);
    const s = config.data.synthetic;
    await ensurePrismShapes(syntheticRoot, { seed: s.seed, trainImages: s.train_images, testImages: s.test_images, imageSize: s.image_size }, log);
    if (!existsSync(join(dataPath, 'answer_list.json'))) {
      throw new Error(`data_path '${config.data_path}': no Prism Shapes lists there; for synthetic data set data_path to <root>/data and label_path to <root>/labels`);
    }
    tokenizer = loadRobertaTokenizer(join(syntheticRoot, 'tokenizer'));
    tables = readFeatureTables(join(syntheticRoot, 'tables'));
    labelResolution = Math.min(224, s.image_size);
    // Prism Shapes answers depend on left/right and colour, which flips and RandAugment change.
    augment = false;
  } else {
    const roberta = config.prismer_model.includes('large') ? 'roberta-large' : 'roberta-base';
    const dir = tokenizerDir(roberta, prismerHome());
    if (!existsSync(dir)) throw new Error(`${dir}: tokenizer files not found; download them with 'prismer download ${roberta}'`);
    tokenizer = loadRobertaTokenizer(dir);
    tables = readFeatureTables(defaultFeatureTablesDir());
  }
  if (config.data.augment !== null) augment = config.data.augment;
  if (config.data.label_resolution !== null) labelResolution = config.data.label_resolution;
  let size = getModelSize(config.prismer_model);
  const overrides = { ...config.model.overrides };
  // A randomly initialised size trains with the vocabulary it is given (Prism Shapes: a few hundred words).
  const vocabOverridden = 'vocab_size' in overrides || 'decoder.vocab_size' in overrides;
  if (config.data.source === 'synthetic' && !vocabOverridden && size.decoder.modelName === 'none') overrides['decoder.vocab_size'] = tokenizer.vocabSize;
  if (Object.keys(overrides).length > 0) size = overrideModelSize(size, overrides, 'model.overrides');
  if (tokenizer.vocabSize > size.decoder.vocabSize) throw new Error(`prismer_model: the tokenizer has ${tokenizer.vocabSize} ids but the ${size.name} decoder only ${size.decoder.vocabSize}`);
  if (config.train.label_smoothing !== 0.1) {
    throw new Error(`train.label_smoothing: the Prismer decoder loss uses the official 0.1; got ${config.train.label_smoothing}`);
  }
  return { config, dataPath, labelPath, tokenizer, tables, size, labelResolution, augment, experts, syntheticRoot };
}

function datasetPaths(setup: ExperimentSetup, train: boolean, fallbacks: LabelFallbackCounter): DatasetPaths {
  return {
    dataPath: setup.dataPath, labelPath: setup.labelPath, experts: setup.experts, tables: setup.tables, fallbacks,
    transform: { resolution: setup.config.image_resolution, labelResolution: setup.labelResolution, train: train && setup.augment },
  };
}

function limit<T>(items: readonly T[], max: number | null): T[] {
  return max === null ? [...items] : items.slice(0, max);
}

/** The caption training and test sets (test: coco_karpathy_test, or nocaps_val for dataset 'nocaps'). */
export function captionDatasets(setup: ExperimentSetup, fallbacks = new LabelFallbackCounter()): { train: CaptionDataset; test: CaptionDataset } {
  const c = setup.config;
  const trainAll = new CaptionDataset(datasetPaths(setup, true, fallbacks), 'train', c.prefix);
  const testSplit = c.dataset === 'nocaps' ? 'nocaps' : 'test';
  const testAll = new CaptionDataset(datasetPaths(setup, false, fallbacks), testSplit, c.prefix);
  return {
    train: new CaptionDataset(datasetPaths(setup, true, fallbacks), 'train', c.prefix, limit(trainAll.entries, c.data.max_train_examples)),
    test: new CaptionDataset(datasetPaths(setup, false, fallbacks), testSplit, c.prefix, limit(testAll.entries, c.data.max_test_examples)),
  };
}

/** The VQA training set (the config's `datasets`: vqav2 and/or vg; 'shapes' reads the vqav2 list) and test set. */
export function vqaDatasets(setup: ExperimentSetup, fallbacks = new LabelFallbackCounter()): { train: VqaDataset; test: VqaDataset } {
  const c = setup.config;
  const sources = c.datasets.flatMap((d): Array<'vqav2' | 'vg'> => (d === 'vg' ? ['vg'] : ['vqav2']));
  const trainAll = new VqaDataset(datasetPaths(setup, true, fallbacks), true, sources);
  const testAll = new VqaDataset(datasetPaths(setup, false, fallbacks), false);
  return {
    train: new VqaDataset(datasetPaths(setup, true, fallbacks), true, sources, limit(trainAll.entries, c.data.max_train_examples)),
    test: new VqaDataset(datasetPaths(setup, false, fallbacks), false, [], limit(testAll.entries, c.data.max_test_examples), testAll.answerList),
  };
}

/** A freshly initialised model of the experiment (seeded by train.seed), with its freeze mode applied. */
export function buildExperimentModel(setup: ExperimentSetup): PrismerCaption | PrismerVQA {
  const c = setup.config;
  const config = prismerConfigForSize(setup.size, c.experts, c.image_resolution);
  const options = { seed: c.train.seed, freeze: c.freeze, vitInit: c.model.vit_init };
  return c.task === 'vqa' ? new PrismerVQA(config, options) : new PrismerCaption(config, options);
}
