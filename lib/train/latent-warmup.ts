import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { distinctImageIndices } from '../data/datasets.js';
import type { LatentWarmupMode } from '../config/schema.js';
import type { EncoderInputs } from '../model/encoder/expert-encoder.js';
import type { Prismer } from '../model/prismer.js';
import { Linear } from '../nn/linear.js';
import { ParameterStore } from '../nn/parameters.js';
import { disposeBatchInputs, prismerBatchInputs } from './batch-inputs.js';
import { calibrateStemBatchNorm, hasStemBatchNorm } from './encoder-cache.js';
import type { SampleSource } from './tasks.js';
import { trainModel, type TrainResult, type TrainTask } from './trainer.js';
import type { ProgressOptions } from './progress.js';

/**
 * Expert latent warm-up: a short stage before caption training that trains only the perceiver resampler, so
 * that its latents carry what the experts see before a frozen encoder feeds them to the decoder.
 *
 * Why: Prismer trains its stems and resampler during vision-language pre-training on millions of images. A
 * model trained from scratch on a laptop cannot afford that with the caption loss, and a random resampler
 * mixes the expert tokens into latents from which the decoder does not learn to read them in minutes (on
 * Prism Shapes it never learned a shape's kind from the segmentation expert). Here the latents must linearly
 * reconstruct every expert input average-pooled to a `grid` × `grid` map (which segmentation classes cover how
 * much of each region, the mean depth, where text is): the mean latent all of it (`mode: 'mean'`), or latent i
 * region i alone (`mode: 'regional'`); an auxiliary head, dropped after the stage, reads the reconstruction.
 * The stems stay frozen (BatchNorm statistics calibrated over the images first), so their tokens are computed
 * once per image and a step runs the resampler alone: no stem, ViT or decoder. On Prism Shapes, 300 steps took
 * a frozen linear probe of a lone shape's kind from the latents from 17/73 (random resampler) to 56/73; training
 * the stems too reached 58/73 at ten times the cost per step. A ridge probe on the 16 latents together reads the
 * sign's word for 25 of 29 held-out signs after the mean warm-up and 29 of 29 after the regional one (4 x 4 grid,
 * 120 steps each, `npm start` data); neither made the decoder read it (sign words 9.6 %).
 */
export interface LatentWarmupOptions {
  /** Optimiser steps (batches of `batchSize` images). */
  steps: number;
  batchSize: number;
  /** AdamW learning rate (cosine to lr / 100 over the steps). */
  lr: number;
  weightDecay: number;
  /** Side of the pooled map each expert input is reconstructed at. */
  grid: number;
  /**
   * 'mean' (default): the mean latent reconstructs every region. 'regional': latent i reconstructs region i alone
   * through one head shared by all latents, so each latent keeps what the experts show in one place (the
   * resampler needs grid² latents).
   */
  mode?: LatentWarmupMode;
  seed: number;
  /** Folder for the stage's `train.jsonl` and checkpoints (resumed from when it holds one). */
  outDir: string;
  /** Upper bound on the stem tokens kept in memory (`train.encoder_cache_mb`). */
  cacheMb: number;
  progress?: false | ProgressOptions;
  handleSignals?: boolean;
  log?: (line: string) => void;
}

const HEAD_PREFIX = 'latent_warmup_head';
const RESAMPLER_PREFIX = 'expert_encoder.resampler.';

/**
 * The expert inputs of a batch average-pooled to grid × grid, flattened per image region by region (row-major
 * regions, within a region each expert's channels in order): [B, grid² · Σ channels].
 */
export function pooledExpertTargets(inputs: EncoderInputs, experts: readonly string[], grid: number): tf.Tensor2D {
  return tf.tidy(() => {
    const parts = experts.map((expert) => {
      const value = inputs[expert];
      if (value === undefined) throw new Error(`latent warm-up: the batch has no '${expert}' input`);
      const map = value instanceof tf.Tensor ? value : value.label;
      const [b, , h, w] = map.shape;
      if (h % grid !== 0 || w % grid !== 0) throw new Error(`latent warm-up: '${expert}' is ${h}x${w}, not divisible into a ${grid}x${grid} grid (train.latent_warmup.grid)`);
      const pooled = tf.avgPool(tf.transpose(map, [0, 2, 3, 1]) as tf.Tensor4D, [h / grid, w / grid], [h / grid, w / grid], 'valid');
      return tf.reshape(pooled, [b, grid * grid, -1]);
    });
    const regions = tf.concat(parts, 2);
    return tf.reshape(regions, [regions.shape[0]!, -1]) as tf.Tensor2D;
  });
}

/** Per image: the frozen stems' tokens (the resampler input, [T, D] row-major) and the standardised target. */
interface WarmupRows {
  tokens: Float32Array[];
  targets: Float32Array[];
  tokenShape: [number, number];
  targetSize: number;
}

/**
 * Runs the warm-up on `model` in place (only its resampler changes, and the stems' BatchNorm statistics are
 * calibrated), with the trainer of every other task: AdamW, a cosine schedule, `train.jsonl`, checkpoints,
 * resumable, progress bar.
 */
export async function warmUpExpertLatents(model: Prismer, source: SampleSource, options: LatentWarmupOptions): Promise<TrainResult> {
  const log = options.log ?? (() => undefined);
  const dataset = source.dataset;
  const resampler = model.expertEncoder.resampler;
  if (dataset.experts.length === 0 || !resampler) throw new Error('latent warm-up: the model has no experts besides rgb, so there is no resampler to warm up');
  const mode = options.mode ?? 'mean';
  const regions = options.grid * options.grid;
  if (mode === 'regional' && resampler.numLatents !== regions) {
    throw new Error(`latent warm-up: mode 'regional' pairs each latent with one region of the ${options.grid}x${options.grid} grid, so the resampler needs ${regions} latents (resampler_latents), not ${resampler.numLatents}`);
  }
  const images = distinctImageIndices(dataset);
  const started = performance.now();
  if (hasStemBatchNorm(model)) await calibrateStemBatchNorm(model, source, images, options.batchSize);
  const rows = await stemRows(model, source, images, options);
  const prepared = (performance.now() - started) / 1000;

  const store = new ParameterStore(options.seed);
  const names = model.store.names().filter((name) => name.startsWith(RESAMPLER_PREFIX));
  for (const name of names) store.adopt(name, model.store.get(name), { buffer: model.store.isBuffer(name) });
  const headOutputs = mode === 'regional' ? rows.targetSize / regions : rows.targetSize;
  const head = new Linear(store, HEAD_PREFIX, model.expertEncoder.config.width, headOutputs, { std: 0.01 });
  const [t, d] = rows.tokenShape;
  const task: TrainTask<{ tokens: tf.Tensor3D; target: tf.Tensor2D }> = {
    name: 'latent warm-up', store, size: images.length,
    async loadBatch(indices) {
      const tokens = new Float32Array(indices.length * t * d);
      const target = new Float32Array(indices.length * rows.targetSize);
      indices.forEach((i, row) => {
        tokens.set(rows.tokens[i]!, row * t * d);
        target.set(rows.targets[i]!, row * rows.targetSize);
      });
      return {
        tokens: tf.tidy(() => tf.transpose(tf.tensor3d(tokens, [indices.length, t, d]), [1, 0, 2]) as tf.Tensor3D),
        target: tf.tensor2d(target, [indices.length, rows.targetSize]),
      };
    },
    loss({ tokens, target }) {
      const latents = resampler.apply(tokens);
      if (mode === 'mean') return tf.mean(tf.square(tf.sub(head.apply(tf.mean(latents, 0) as tf.Tensor2D), target))) as tf.Scalar;
      const batch = target.shape[0];
      const perRegion = tf.reshape(tf.transpose(latents, [1, 0, 2]), [batch * regions, -1]) as tf.Tensor2D;
      return tf.mean(tf.square(tf.sub(head.apply(perRegion), tf.reshape(target, [batch * regions, headOutputs])))) as tf.Scalar;
    },
    disposeBatch({ tokens, target }) {
      tf.dispose([tokens, target]);
    },
  };
  const stepsPerEpoch = Math.floor(images.length / options.batchSize);
  if (stepsPerEpoch === 0) throw new Error(`latent warm-up: ${images.length} training images make no batch of ${options.batchSize}`);
  const resume = existsSync(join(options.outDir, 'checkpoints', 'latest.json')) ? options.outDir : undefined;
  log(`latent warm-up: ${options.steps} steps on ${images.length} images (stem tokens and targets computed in ${prepared.toFixed(1)} s), training the resampler to reconstruct [${dataset.experts.join(', ')}] pooled to ${options.grid}x${options.grid} (${rows.targetSize} values) ${mode === 'mean' ? 'from the mean latent' : `region by region, latent i from region i (${headOutputs} values each)`}${resume ? `; resuming ${resume}` : ''}`);
  try {
    return await trainModel(task, {
      outDir: options.outDir, resumeFrom: resume, batchSize: options.batchSize, seed: options.seed,
      maxEpoch: Math.ceil(options.steps / stepsPerEpoch), maxSteps: options.steps,
      schedule: { kind: 'cosine-per-step', initLr: options.lr, minLr: options.lr / 100, plannedSteps: options.steps },
      weightDecay: options.weightDecay, keepCheckpoints: 1, progress: options.progress, handleSignals: options.handleSignals,
    });
  } finally {
    store.dispose(); // the head; the adopted resampler stays with the model
  }
}

/**
 * The frozen (eval-mode) stems' tokens and the pooled targets of every image, the targets standardised per
 * dimension. The scale is the standard deviation with a floor of a tenth of the typical one, so a region that
 * is nearly constant (no text anywhere) is not blown up.
 */
async function stemRows(model: Prismer, source: SampleSource, images: readonly number[], options: LatentWarmupOptions): Promise<WarmupRows> {
  const tokens: Float32Array[] = [];
  const raw: Float32Array[] = [];
  let tokenShape: [number, number] = [0, 0];
  let targetSize = 0;
  for (let start = 0; start < images.length; start += options.batchSize) {
    const batch = await source.collate(images.slice(start, start + options.batchSize), 0);
    const inputs = prismerBatchInputs(batch, source.dataset.experts);
    try {
      const [stem, target] = tf.tidy(() => [
        tf.transpose(model.expertEncoder.expertTokens(inputs, { training: false })!.tokens, [1, 0, 2]),
        pooledExpertTargets(inputs, source.dataset.experts, options.grid),
      ]);
      const [b, t, d] = stem!.shape as [number, number, number];
      if (start === 0) {
        tokenShape = [t, d];
        targetSize = target!.shape[1]!;
        const mb = (images.length * (t * d + targetSize) * 4) / 2 ** 20;
        if (mb > options.cacheMb) {
          tf.dispose([stem!, target!]);
          throw new Error(`latent warm-up: the stem tokens of ${images.length} images need ${mb.toPrecision(3)} MB > train.encoder_cache_mb ${options.cacheMb}; raise it or set train.latent_warmup.steps to 0`);
        }
      }
      const stemValues = stem!.dataSync() as Float32Array;
      const targetValues = target!.dataSync() as Float32Array;
      tf.dispose([stem!, target!]);
      for (let row = 0; row < b; row++) {
        tokens.push(stemValues.slice(row * t * d, (row + 1) * t * d));
        raw.push(targetValues.slice(row * targetSize, (row + 1) * targetSize));
      }
    } finally {
      disposeBatchInputs(inputs);
    }
  }
  const mean = new Float64Array(targetSize);
  const variance = new Float64Array(targetSize);
  for (const r of raw) for (let j = 0; j < targetSize; j++) mean[j]! += r[j]! / raw.length;
  for (const r of raw) for (let j = 0; j < targetSize; j++) variance[j]! += (r[j]! - mean[j]!) ** 2 / raw.length;
  const floor = 0.01 * variance.reduce((a, b) => a + b, 0) / targetSize;
  const scale = Array.from(variance, (v) => Math.sqrt(Math.max(v, floor)) || 1);
  const targets = raw.map((r) => Float32Array.from(r, (x, j) => (x - mean[j]!) / scale[j]!));
  return { tokens, targets, tokenShape, targetSize };
}
