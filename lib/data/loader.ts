/**
 * Batches samples of a `PrismerDataset` into typed host batches (NCHW Float32Arrays, instance maps
 * as Int32Array) that the model side turns into tensors. Order: a seeded shuffle per epoch (or the
 * list order); each sample's augmentation stream is derived from (seed, epoch, index), so batches
 * are identical whatever the prefetch depth. `prefetch` batches are loaded ahead while the caller
 * computes (image decoding runs on sharp's threads). The last partial batch is dropped (official
 * training), kept short, or padded to full size by repeating its last sample with `valid = 0`.
 */
import type { LabelExpert } from './expert-labels.js';
import type { PrismerDataset, PrismerSample, PrismerSampleText } from './datasets.js';
import { FEATURE_DIM } from './feature-tables.js';
import { expandFeaturesInto, type ExpertInputs, type PaintedFeatures } from './post-label.js';
import { SeededRng, mixSeed } from './rng.js';
import { startSampleWorkers } from './worker-pool.js';

export interface PrismerBatch {
  /** Rows in the batch including padding. */
  batchSize: number;
  /** 1 for real samples, 0 for padding rows. */
  valid: Uint8Array;
  /** Dataset index of each row (padding rows repeat the last real index). */
  indices: number[];
  resolution: number;
  labelResolution: number;
  /** [B, 3, R, R]; empty in a batch of words alone (`collateTextBatch`). */
  rgb: Float32Array;
  /** Per expert: depth/edge [B,1,h,w], normal [B,3,h,w], seg/ocr [B,64,h,w]; obj_detection label [B,64,h,w] + instance [B,1,h,w]. */
  experts: BatchExperts;
  captions?: string[];
  questions?: string[];
  answers?: string[];
  /** VQA loss weights [B] (padding rows 0). */
  weights?: Float32Array;
  questionIds?: number[];
}

/** The label experts of a batch: the per-sample fields of `ExpertInputs`, stacked (NCHW). */
export type BatchExperts = ExpertInputs;

/** Channels of each expert's model input. */
export const EXPERT_CHANNELS: Record<LabelExpert, number> = {
  depth: 1, normal: 3, edge: 1, seg_coco: FEATURE_DIM, seg_ade: FEATURE_DIM, obj_detection: FEATURE_DIM, ocr_detection: FEATURE_DIM,
};

export interface LoaderOptions {
  batchSize: number;
  /** Seeded shuffle each epoch (official: train true, test false). */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** Apply the train transform's random ops (default: same as shuffle). */
  augment?: boolean;
  /** What to do with a last partial batch: 'drop' (official train), 'keep', 'pad' (default). */
  lastBatch?: 'drop' | 'keep' | 'pad';
  /** Batches loaded ahead (default 2). */
  prefetch?: number;
  /**
   * Worker threads preparing samples (default 0: in this thread, where only sharp's decoding runs
   * beside the caller's compute). Started for this epoch and stopped at its end; to keep workers
   * across epochs, pass a `startSampleWorkers(...)` pool as the dataset instead.
   */
  workers?: number;
}

/** The dataset order of one epoch. */
export function prismerEpochOrder(length: number, shuffle: boolean, seed: number, epoch: number): number[] {
  const order = Array.from({ length }, (_, i) => i);
  return shuffle ? new SeededRng(mixSeed(seed, 0x5e, epoch)).shuffle(order) : order;
}

/** Stacks samples into one batch, padding to `batchSize` rows by repeating the last sample. */
export function collatePrismerBatch(samples: readonly PrismerSample[], batchSize: number, resolution: number, labelResolution: number, experts: readonly LabelExpert[]): PrismerBatch {
  if (samples.length === 0) throw new Error('collatePrismerBatch: no samples');
  if (samples.length > batchSize) throw new Error(`collatePrismerBatch: ${samples.length} samples exceed batch size ${batchSize}`);
  const rows = Array.from({ length: batchSize }, (_, i) => samples[Math.min(i, samples.length - 1)]);
  const valid = Uint8Array.from(rows, (_, i) => (i < samples.length ? 1 : 0));
  const rgbSize = 3 * resolution * resolution;
  const rgb = new Float32Array(batchSize * rgbSize);
  rows.forEach((s, i) => {
    if (s.rgb.length !== rgbSize) throw new Error(`sample ${s.index}: rgb has ${s.rgb.length} values, expected 3x${resolution}x${resolution}`);
    rgb.set(s.rgb, i * rgbSize);
  });
  const plane = labelResolution * labelResolution;
  const out: BatchExperts = {};
  const painted = (v: PaintedFeatures | undefined, s: PrismerSample, expert: string): PaintedFeatures => {
    if (!v || v.width !== labelResolution || v.height !== labelResolution) throw new Error(`sample ${s.index}: ${expert} input missing or not 64x${labelResolution}x${labelResolution}`);
    return v;
  };
  for (const expert of experts) {
    const size = EXPERT_CHANNELS[expert] * plane;
    const stack = new Float32Array(batchSize * size);
    if (expert === 'obj_detection') {
      const instance = new Int32Array(batchSize * plane);
      rows.forEach((s, i) => {
        const v = s.experts.obj_detection;
        expandFeaturesInto(painted(v?.label, s, expert), stack, i * size);
        instance.set(v!.instance, i * plane);
      });
      out.obj_detection = { label: stack, instance };
    } else if (expert === 'seg_coco' || expert === 'seg_ade' || expert === 'ocr_detection') {
      rows.forEach((s, i) => expandFeaturesInto(painted(s.experts[expert], s, expert), stack, i * size));
      out[expert] = stack;
    } else {
      rows.forEach((s, i) => {
        const v = s.experts[expert];
        if (!v || v.length !== size) throw new Error(`sample ${s.index}: ${expert} input missing or not ${EXPERT_CHANNELS[expert]}x${labelResolution}x${labelResolution}`);
        stack.set(v, i * size);
      });
      out[expert] = stack;
    }
  }
  return withText({ batchSize, valid, indices: rows.map((s) => s.index), resolution, labelResolution, rgb, experts: out }, rows);
}

/**
 * A batch of the samples' words alone — captions, questions, answers, weights, ids — with no pixels (`rgb`
 * empty) and no expert maps: what training needs when the encoder's output for every image is cached.
 */
export function collateTextBatch(texts: readonly PrismerSampleText[], resolution: number, labelResolution: number): PrismerBatch {
  if (texts.length === 0) throw new Error('collateTextBatch: no samples');
  const valid = new Uint8Array(texts.length).fill(1);
  return withText({ batchSize: texts.length, valid, indices: texts.map((s) => s.index), resolution, labelResolution, rgb: new Float32Array(0), experts: {} }, texts);
}

/** Adds the text fields present in any row (padding rows: empty strings, weight 0). */
function withText(batch: PrismerBatch, rows: readonly PrismerSampleText[]): PrismerBatch {
  const valid = batch.valid;
  if (rows.some((s) => s.caption !== undefined)) batch.captions = rows.map((s) => s.caption ?? '');
  if (rows.some((s) => s.question !== undefined)) batch.questions = rows.map((s) => s.question ?? '');
  if (rows.some((s) => s.answer !== undefined)) batch.answers = rows.map((s) => s.answer ?? '');
  if (rows.some((s) => s.weight !== undefined)) batch.weights = Float32Array.from(rows, (s, i) => (valid[i] ? s.weight ?? 1 : 0));
  if (rows.some((s) => s.questionId !== undefined)) batch.questionIds = rows.map((s) => s.questionId ?? -1);
  return batch;
}

/** Number of batches one epoch yields. */
export function prismerBatchCount(length: number, options: LoaderOptions): number {
  const full = Math.floor(length / options.batchSize);
  return (options.lastBatch ?? 'pad') === 'drop' || length % options.batchSize === 0 ? full : full + 1;
}

/** Iterates one epoch of batches with `prefetch` batches in flight. */
export async function* iteratePrismerBatches(dataset: PrismerDataset, options: LoaderOptions): AsyncGenerator<PrismerBatch> {
  if ((options.workers ?? 0) > 0) {
    const pool = await startSampleWorkers(dataset, options.workers!);
    try {
      yield* iteratePrismerBatches(pool, { ...options, workers: 0 });
    } finally {
      await pool.close();
    }
    return;
  }
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`iteratePrismerBatches: batchSize must be a positive integer, got ${batchSize}`);
  const shuffle = options.shuffle ?? false;
  const seed = options.seed ?? 0;
  const epoch = options.epoch ?? 0;
  const augment = options.augment ?? shuffle;
  const lastBatch = options.lastBatch ?? 'pad';
  const order = prismerEpochOrder(dataset.length, shuffle, seed, epoch);
  const count = prismerBatchCount(dataset.length, options);
  const load = async (b: number): Promise<PrismerBatch> => {
    const ids = order.slice(b * batchSize, (b + 1) * batchSize);
    const samples = await Promise.all(ids.map((i) => dataset.load(i, augment ? mixSeed(seed, epoch, i) : undefined)));
    const rows = lastBatch === 'keep' ? samples.length : batchSize;
    return collatePrismerBatch(samples, rows, dataset.resolution, dataset.labelResolution, dataset.experts);
  };
  const depth = Math.max(1, options.prefetch ?? 2);
  const inFlight: Array<Promise<PrismerBatch>> = [];
  let next = 0;
  const fill = (): void => {
    while (inFlight.length < depth && next < count) {
      const p = load(next++);
      p.catch(() => undefined); // surfaced when awaited below
      inFlight.push(p);
    }
  };
  fill();
  while (inFlight.length > 0) {
    const batch = await inFlight.shift()!;
    fill();
    yield batch;
  }
}
