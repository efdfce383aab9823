/**
 * Pre-training data as the official `Pretrain` dataset (dataset/pretrain_dataset.py) reads it: web
 * image folders (cc12m, cc3m_sgu) in img2dataset's `files` layout, COCO's `coco_karpathy_train.json`
 * and Visual Genome's `vg_caption.json`, concatenated in that order. Each sample is the image and its
 * expert labels through the train transform (crop scale 0.5–1.5) and the caption through
 * `pre_caption(caption, 30)`, with no prefix: the loss covers the whole caption.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentConfig, PretrainDatasetName } from '../config/schema.js';
import { DATA_LIST_FILES, readCaptionTrainList } from '../data/formats.js';
import { loadPrismerSample, type DatasetPaths, type PrismerDataset, type PrismerSample } from '../data/datasets.js';
import type { LabelExpert } from '../data/expert-labels.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { preCaption } from '../text/preprocess.js';
import type { ExperimentSetup } from './experiment.js';

/** One pre-training image: where it lives, the dataset folder of its labels, and its raw caption. */
export interface PretrainEntry {
  source: PretrainDatasetName;
  /** The source's data root (official `<source>_data_path`). */
  root: string;
  /** Folder under `root` holding the images, also the labels' dataset folder: cc12m, cc3m_sgu, vqav2 or vg. */
  folder: string;
  /** Image path relative to `root/folder` (also the label file name, extension swapped). */
  image: string;
  caption: string;
}

/** The official pre-training crop: RandomResizedCrop area scale in [0.5, 1.5]. */
export const PRETRAIN_CROP_SCALE: readonly [number, number] = [0.5, 1.5];

/**
 * img2dataset's `--output_format files` folder: `{root}/{shard}/{key}.jpg` with the caption in
 * `{key}.txt` (written when `--caption_col` was given) and metadata in `{key}.json`. The caption is the
 * first line of the `.txt` as `readlines()[0]` gives it; without a `.txt`, the `caption` field of the
 * `.json`. Only `.jpg` images are listed, as the official glob does; shards and files are sorted.
 */
export function listWebImageCaptions(root: string): Array<{ image: string; caption: string }> {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: web image folder not found (expected img2dataset shards {shard}/{key}.jpg)`);
  const out: Array<{ image: string; caption: string }> = [];
  const shards = readdirSync(root).sort().filter((name) => statSync(join(root, name)).isDirectory());
  for (const shard of shards) {
    for (const name of readdirSync(join(root, shard)).sort()) {
      if (!name.endsWith('.jpg')) continue;
      const key = name.slice(0, -'.jpg'.length);
      out.push({ image: `${shard}/${name}`, caption: readWebCaption(join(root, shard), key) });
    }
  }
  return out;
}

function readWebCaption(dir: string, key: string): string {
  const txt = join(dir, `${key}.txt`);
  if (existsSync(txt)) {
    const text = readFileSync(txt, 'utf8');
    const newline = text.indexOf('\n');
    const caption = newline < 0 ? text : text.slice(0, newline + 1);
    if (caption.trim() === '') throw new Error(`${txt}: first line is empty (expected the caption)`);
    return caption;
  }
  const json = join(dir, `${key}.json`);
  if (!existsSync(json)) throw new Error(`${join(dir, `${key}.jpg`)}: no caption (neither ${key}.txt nor ${key}.json next to it)`);
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(json, 'utf8'));
  } catch (error) {
    throw new Error(`${json}: not valid JSON (${(error as Error).message})`);
  }
  const caption = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).caption : undefined;
  if (typeof caption !== 'string' || caption.trim() === '') throw new Error(`${json}: field 'caption' must be a non-empty string (img2dataset writes it with --caption_col)`);
  return caption;
}

/** The root of a pre-training source: its `<source>_data_path`, or data_path when that is ''. */
export function pretrainSourceRoot(config: ExperimentConfig, source: PretrainDatasetName): string {
  const own = { cc12m: config.cc12m_data_path, cc3m_sgu: config.cc3m_data_path, coco: config.coco_data_path, vg: config.vg_data_path }[source];
  return resolve(own === '' ? config.data_path : own);
}

const SOURCE_ORDER: readonly PretrainDatasetName[] = ['cc12m', 'cc3m_sgu', 'coco', 'vg'];

/** Lists the entries of the configured sources in the official order (cc12m, cc3m_sgu, coco, vg). */
export function listPretrainEntries(config: ExperimentConfig): PretrainEntry[] {
  const wanted = new Set(config.datasets);
  const out: PretrainEntry[] = [];
  for (const source of SOURCE_ORDER) {
    if (!wanted.has(source)) continue;
    const root = pretrainSourceRoot(config, source);
    if (source === 'cc12m' || source === 'cc3m_sgu') {
      for (const { image, caption } of listWebImageCaptions(join(root, source))) out.push({ source, root, folder: source, image, caption });
    } else if (source === 'coco') {
      for (const e of readCaptionTrainList(join(root, DATA_LIST_FILES.captionTrain))) out.push({ source, root, folder: 'vqav2', image: e.image, caption: e.caption });
    } else {
      // The official loader keeps the last two path components of a VG image ('VG_100K/1.jpg').
      for (const e of readCaptionTrainList(join(root, DATA_LIST_FILES.vgCaption))) {
        out.push({ source, root, folder: 'vg', image: e.image.split('/').slice(-2).join('/'), caption: e.caption });
      }
    }
  }
  return out;
}

/** The official `Pretrain` dataset: images and labels from each entry's root, captions through pre_caption(·, 30). */
export class PretrainDataset implements PrismerDataset {
  readonly fallbacks: LabelFallbackCounter;
  constructor(private readonly paths: DatasetPaths, readonly entries: readonly PretrainEntry[]) {
    this.fallbacks = paths.fallbacks ?? new LabelFallbackCounter();
  }
  get length(): number { return this.entries.length; }
  get resolution(): number { return this.paths.transform.resolution; }
  get labelResolution(): number { return this.paths.transform.labelResolution ?? 224; }
  get experts(): readonly LabelExpert[] { return this.paths.experts; }

  async load(index: number, seed?: number): Promise<PrismerSample> {
    const entry = this.entries[index];
    if (entry === undefined) throw new Error(`pretrain dataset index ${index} out of range (length ${this.entries.length})`);
    const { rgb, experts } = await loadPrismerSample({ ...this.paths, dataPath: entry.root }, entry.folder, entry.folder, entry.image, this.fallbacks, seed);
    return { index, rgb, experts, caption: preCaption(entry.caption, 30) };
  }
}

/** The pre-training set of an experiment (first data.max_train_examples entries when set). */
export function pretrainDataset(setup: ExperimentSetup, fallbacks = new LabelFallbackCounter()): PretrainDataset {
  const c = setup.config;
  const entries = listPretrainEntries(c);
  if (entries.length === 0) throw new Error(`pretrain: the sources [${c.datasets.join(', ')}] hold no images`);
  const paths: DatasetPaths = {
    dataPath: setup.dataPath, labelPath: setup.labelPath, experts: setup.experts, tables: setup.tables, fallbacks,
    transform: { resolution: c.image_resolution, labelResolution: setup.labelResolution, train: setup.augment, scale: PRETRAIN_CROP_SCALE },
  };
  return new PretrainDataset(paths, c.data.max_train_examples === null ? entries : entries.slice(0, c.data.max_train_examples));
}
