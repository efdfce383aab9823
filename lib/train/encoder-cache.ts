import * as tf from '@tensorflow/tfjs';
import { distinctImageIndices } from '../data/datasets.js';
import type { PrismerBatch } from '../data/loader.js';
import type { Prismer } from '../model/prismer.js';
import type { ParameterStore } from '../nn/parameters.js';
import type { ExperimentConfig } from '../config/schema.js';
import { parametersToTrain, parseLrScale } from './adamw.js';
import { disposeBatchInputs, prismerBatchInputs } from './batch-inputs.js';
import type { SampleSource } from './tasks.js';

const ENCODER_PREFIX = 'expert_encoder.';

/** True when no expert-encoder parameter trains: frozen by the freeze mode or given learning-rate multiplier 0. */
export function expertEncoderFrozen(store: ParameterStore, lrScale: Readonly<Record<string, number>>): boolean {
  return !parametersToTrain(store, lrScale).some(([name]) => name.startsWith(ENCODER_PREFIX));
}

/**
 * The frozen expert encoder's output [L, D] per training image, computed once. When nothing in the encoder
 * trains and the training transform is deterministic, every epoch feeds the decoder the same encoding of
 * each image, so training only needs the decoder after the first visit (a VQA image is shared by all its
 * questions). Encodings use BatchNorm's running statistics (eval mode), which `calibrate` first estimates
 * over the training images: a frozen stem's statistics would otherwise stay at their initial 0 / 1.
 */
export class EncoderOutputCache {
  private readonly rows = new Map<string, Float32Array>();
  private shape: [number, number] | null = null;
  /** Rows encoded so far (each image once). */
  encoded = 0;

  constructor(private readonly model: Prismer, private readonly source: SampleSource) {
    if (!source.dataset.imageKey) throw new Error('EncoderOutputCache: the dataset has no imageKey(index), so samples cannot be matched to images');
  }

  /** Images cached so far. */
  get size(): number { return this.rows.size; }

  /** Bytes held by the cached encodings. */
  get bytes(): number { return this.shape ? this.rows.size * this.shape[0] * this.shape[1] * 4 : 0; }

  /** One dataset index per distinct image, in first-seen order. */
  imageIndices(): number[] {
    return distinctImageIndices(this.source.dataset);
  }

  /** Encoding width [L, D] of one image (encodes the first sample; nothing is cached). */
  async tokenShape(): Promise<[number, number]> {
    const batch = await this.source.collate([0], 0);
    const hidden = this.encodeBatch(batch, { training: false });
    const [, l, d] = hidden.shape;
    hidden.dispose();
    return [l, d];
  }

  /** Estimates the stems' BatchNorm statistics over `indices` (`calibrateStemBatchNorm`); drops anything cached. */
  async calibrate(indices: readonly number[], batchSize: number): Promise<void> {
    this.rows.clear();
    await calibrateStemBatchNorm(this.model, this.source, indices, batchSize);
  }

  /** Encodes every image of `indices` not cached yet, `batchSize` at a time (so training steps never encode). */
  async fillAll(indices: readonly number[], batchSize: number): Promise<void> {
    const missing = indices.filter((i) => !this.rows.has(this.keyOf(i)));
    for (let start = 0; start < missing.length; start += batchSize) {
      this.fill(await this.source.collate(missing.slice(start, start + batchSize), 0));
    }
  }

  /** Whether every sample of `indices` shows a cached image (its batch then needs no pixels or expert maps). */
  covers(indices: readonly number[]): boolean {
    return indices.every((i) => this.rows.has(this.keyOf(i)));
  }

  /** Encodes and keeps the batch's images not cached yet (call before `encodings`, outside a gradient scope). */
  fill(batch: PrismerBatch): void {
    const keys = batch.indices.map((i) => this.keyOf(i));
    if (keys.every((key) => this.rows.has(key))) return;
    const hidden = this.encodeBatch(batch, { training: false });
    const [b, l, d] = hidden.shape;
    this.shape = [l, d];
    const values = hidden.dataSync() as Float32Array;
    hidden.dispose();
    for (let row = 0; row < b; row++) {
      if (this.rows.has(keys[row]!)) continue;
      this.rows.set(keys[row]!, values.slice(row * l * d, (row + 1) * l * d));
      this.encoded++;
    }
  }

  /** The batch-first encoding [B, L, D] of a batch whose images are cached (`fill`). */
  encodings(batch: PrismerBatch): tf.Tensor3D {
    const { values, shape } = this.encodingRows(batch, 0, batch.batchSize);
    return tf.tensor3d(values, shape);
  }

  /** Rows [start, end) of `encodings(batch)` as host values (what a gradient worker receives). */
  encodingRows(batch: PrismerBatch, start: number, end: number): { values: Float32Array; shape: [number, number, number] } {
    if (!this.shape) throw new Error('EncoderOutputCache: nothing cached yet (call fill(batch) first)');
    const [l, d] = this.shape;
    const out = new Float32Array((end - start) * l * d);
    batch.indices.slice(start, end).forEach((index, row) => {
      const cached = this.rows.get(this.keyOf(index));
      if (!cached) throw new Error(`EncoderOutputCache: image '${this.keyOf(index)}' (sample ${index}) is not cached (call fill(batch) first)`);
      out.set(cached, row * l * d);
    });
    return { values: out, shape: [end - start, l, d] };
  }

  private keyOf(index: number): string {
    return this.source.dataset.imageKey!(index);
  }

  private encodeBatch(batch: PrismerBatch, options: { training: boolean; batchNormMomentum?: number }): tf.Tensor3D {
    const inputs = prismerBatchInputs(batch, this.source.dataset.experts);
    try {
      return this.model.encode(inputs, options);
    } finally {
      disposeBatchInputs(inputs);
    }
  }
}

/** Whether the model has expert stems with BatchNorm (PrismerZ has none). */
export function hasStemBatchNorm(model: Prismer): boolean {
  return model.store.names().some((name) => name.startsWith(ENCODER_PREFIX) && name.endsWith('.running_mean'));
}

/**
 * One pass of the expert stems in training mode over `indices` (one per image), with BatchNorm momentum 1/k on
 * the k-th batch: the running statistics become the average of the batch statistics (torch's `momentum=None`),
 * so a frozen stem is evaluated with statistics of the data rather than its initial 0 / 1. Only the stems run
 * (BatchNorm lives there).
 */
export async function calibrateStemBatchNorm(model: Prismer, source: SampleSource, indices: readonly number[], batchSize: number): Promise<void> {
  for (let start = 0, k = 1; start < indices.length; start += batchSize, k++) {
    const batch = await source.collate(indices.slice(start, start + batchSize), 0);
    const inputs = prismerBatchInputs(batch, source.dataset.experts);
    try {
      tf.tidy(() => { model.expertEncoder.expertTokens(inputs, { training: true, batchNormMomentum: 1 / k }); });
    } finally {
      disposeBatchInputs(inputs);
    }
  }
}

/**
 * An `EncoderOutputCache` for training `model` on `source` under `config` when the encoder is frozen (freeze
 * mode or `train.lr_scale`), the data deterministic (`augment` false) and the encodings of every training
 * image fit in `train.encoder_cache_mb` (BatchNorm calibrated); otherwise null, with the reason logged.
 */
export async function prepareEncoderCache(model: Prismer, source: SampleSource, config: ExperimentConfig, augment: boolean, log: (line: string) => void = () => undefined, options: { stemsCalibrated?: boolean } = {}): Promise<EncoderOutputCache | null> {
  const budgetMb = config.train.encoder_cache_mb;
  if (budgetMb <= 0 || !expertEncoderFrozen(model.store, parseLrScale(config.train.lr_scale))) return null;
  if (augment) {
    log('encoder cache: off (the expert encoder is frozen, but training augments images, so its outputs differ per visit)');
    return null;
  }
  if (!source.dataset.imageKey) return null;
  const cache = new EncoderOutputCache(model, source);
  const images = cache.imageIndices();
  const [l, d] = await cache.tokenShape();
  const mb = (images.length * l * d * 4) / 2 ** 20;
  if (mb > budgetMb) {
    log(`encoder cache: off (${images.length} images x ${l} x ${d} floats = ${mb.toPrecision(3)} MB > train.encoder_cache_mb ${budgetMb})`);
    return null;
  }
  const started = performance.now();
  // PrismerZ (no expert stems) has no BatchNorm to calibrate; the latent warm-up calibrates before it trains.
  const hasBatchNorm = hasStemBatchNorm(model);
  if (hasBatchNorm && !options.stemsCalibrated) await cache.calibrate(images, config.batch_size_train);
  await cache.fillAll(images, config.batch_size_train);
  source.forget();
  const calibration = !hasBatchNorm ? '' : options.stemsCalibrated
    ? ', in eval mode with the stems\' BatchNorm statistics the latent warm-up estimated'
    : ', in eval mode after estimating the stems\' BatchNorm statistics over them';
  log(`encoder cache: the expert encoder is frozen, so its outputs for the ${images.length} training images (${mb.toFixed(1)} MB) are computed once, before training${calibration} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return cache;
}
