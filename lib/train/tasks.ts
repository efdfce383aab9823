import type { PrismerDataset, PrismerSample } from '../data/datasets.js';
import type { LabelExpert } from '../data/expert-labels.js';
import { collatePrismerBatch, collateTextBatch, type PrismerBatch } from '../data/loader.js';
import { mixSeed } from '../data/rng.js';
import * as tf from '@tensorflow/tfjs';
import { parametersToTrain, parseLrScale } from './adamw.js';
import { GradientWorkers } from './gradient-workers.js';
import { prismerBatchInputs } from './batch-inputs.js';
import { prepareEncoderCache, type EncoderOutputCache } from './encoder-cache.js';
import type { ExperimentSetup } from './experiment.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { PrismerVQA } from '../model/prismer-vqa.js';
import type { DecoderTokenBatch } from '../model/prismer.js';
import { captionTrainBatch, vqaTrainBatch } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { TrainResult, TrainStepContext, TrainTask } from './trainer.js';
import { warmUpExpertLatents } from './latent-warmup.js';
import type { ProgressOptions } from './progress.js';

/** A collated batch and its decoder tokens (with loss labels). */
export interface PrismerTrainBatch {
  batch: PrismerBatch;
  tokens: DecoderTokenBatch;
  /** VQA loss weights (1 for VQAv2, 0.2 for Visual Genome). */
  weights: number[] | null;
}

/**
 * Samples by index, memoised when the dataset's transform is deterministic (no training augmentation),
 * so later epochs skip decoding; `augment` datasets are loaded fresh with a per-sample seed.
 */
export class SampleSource {
  private readonly memo = new Map<number, Promise<PrismerSample>>();
  constructor(readonly dataset: PrismerDataset, readonly augment: boolean, readonly memoise = !augment) {}

  load(index: number, seed: number): Promise<PrismerSample> {
    if (this.augment) return this.dataset.load(index, mixSeed(seed, index));
    if (!this.memoise) return this.dataset.load(index);
    let sample = this.memo.get(index);
    if (!sample) {
      sample = this.dataset.load(index);
      sample.catch(() => this.memo.delete(index));
      this.memo.set(index, sample);
    }
    return sample;
  }

  /** Drops the memoised samples (once their images are cached as encodings, training never reads them again). */
  forget(): void {
    this.memo.clear();
  }

  /** The samples at `indices` as one batch; `experts` narrows which expert maps are stacked (none when the encoder's output is cached). */
  async collate(indices: readonly number[], seed: number, experts: readonly LabelExpert[] = this.dataset.experts): Promise<PrismerBatch> {
    const samples = await Promise.all(indices.map((i) => this.load(i, seed)));
    return collatePrismerBatch(samples, samples.length, this.dataset.resolution, this.dataset.labelResolution, experts);
  }

  /**
   * `collate`, or when `cache` already holds every image's encoding, a batch of the samples' words alone
   * (`collateTextBatch`): no image is decoded and nothing is kept per sample, since the decoder reads the cache.
   */
  async collateFor(indices: readonly number[], seed: number, cache: EncoderOutputCache | undefined): Promise<PrismerBatch> {
    const text = this.dataset.text?.bind(this.dataset);
    if (!cache?.covers(indices)) return this.collate(indices, seed);
    if (!text) return this.collate(indices, seed, []);
    return collateTextBatch(indices.map((i) => text(i)), this.dataset.resolution, this.dataset.labelResolution);
  }
}

/** Rows [start, end) of a token batch. */
function tokenRows(tokens: DecoderTokenBatch, start: number, end: number): DecoderTokenBatch {
  const rows: DecoderTokenBatch = { inputIds: tokens.inputIds.slice(start, end), attentionMask: tokens.attentionMask.slice(start, end) };
  if (tokens.labels) rows.labels = tokens.labels.slice(start, end);
  return rows;
}

type LossFromEncoding = (encodings: tf.Tensor3D, tokens: DecoderTokenBatch, weights: number[] | null, context: TrainStepContext) => tf.Scalar;

/**
 * `task` with its gradients computed by `workers` and this thread together, each on a share of the batch's rows
 * (lib/train/gradient-workers.ts); closing the task stops the workers.
 */
function dataParallel(task: TrainTask<PrismerTrainBatch>, cache: EncoderOutputCache, workers: GradientWorkers, lossOf: LossFromEncoding): TrainTask<PrismerTrainBatch> {
  return {
    ...task,
    gradients({ batch, tokens, weights }, context, variables) {
      return workers.gradients(
        batch.batchSize, variables,
        (start, end) => {
          const { values, shape } = cache.encodingRows(batch, start, end);
          return lossOf(tf.tensor3d(values, shape), tokenRows(tokens, start, end), weights?.slice(start, end) ?? null, context);
        },
        (start, end) => {
          const { values, shape } = cache.encodingRows(batch, start, end);
          return { encodings: values, shape, tokens: tokenRows(tokens, start, end), weights: weights?.slice(start, end) ?? null, seed: mixSeed(context.seed, start) };
        },
      );
    },
    close: () => workers.close(),
  };
}

function forwardOptions(context: TrainStepContext): { training: boolean; dropoutSeed: number; encoder: { training: boolean } } {
  // model.train() in the official scripts: dropout on, BatchNorm on batch statistics.
  return { training: true, dropoutSeed: context.seed, encoder: { training: true } };
}

/**
 * Caption training (and pre-training / classification, which use the same caption loss). With `cache` (a
 * frozen encoder over deterministic data) the decoder reads the cached encodings instead of running the encoder.
 */
export function captionTrainTask(name: string, model: PrismerCaption, tokenizer: TextTokenizer, source: SampleSource, prefix: string, cache?: EncoderOutputCache, workers?: GradientWorkers): TrainTask<PrismerTrainBatch> {
  const task: TrainTask<PrismerTrainBatch> = {
    name, store: model.store, size: source.dataset.length,
    async loadBatch(indices, context) {
      const batch = await source.collateFor(indices, context.seed, cache);
      cache?.fill(batch);
      if (!batch.captions) throw new Error(`train ${name}: the dataset gives no captions`);
      return { batch, tokens: captionTrainBatch(tokenizer, batch.captions, prefix), weights: null };
    },
    loss({ batch, tokens }, context) {
      // Runs inside tf.variableGrads, whose scope disposes the inputs and intermediates after backprop.
      if (cache) return model.captionLossFromEncoding(cache.encodings(batch), tokens, forwardOptions(context)).loss;
      const inputs = prismerBatchInputs(batch, source.dataset.experts);
      return model.captionLoss(inputs, tokens, forwardOptions(context)).loss;
    },
  };
  if (!cache || !workers) return task;
  return dataParallel(task, cache, workers, (encodings, tokens, _weights, context) => model.captionLossFromEncoding(encodings, tokens, forwardOptions(context)).loss);
}

/** VQA training: question + answer tokens, the loss weighted per sample (official `weights * loss`). */
export function vqaTrainTask(name: string, model: PrismerVQA, tokenizer: TextTokenizer, source: SampleSource, cache?: EncoderOutputCache, workers?: GradientWorkers): TrainTask<PrismerTrainBatch> {
  const task: TrainTask<PrismerTrainBatch> = {
    name, store: model.store, size: source.dataset.length,
    async loadBatch(indices, context) {
      const batch = await source.collateFor(indices, context.seed, cache);
      cache?.fill(batch);
      if (!batch.questions || !batch.answers) throw new Error(`train ${name}: the dataset gives no questions and answers`);
      const weights = batch.weights ? Array.from(batch.weights) : new Array<number>(batch.batchSize).fill(1);
      return { batch, tokens: vqaTrainBatch(tokenizer, batch.questions, batch.answers), weights };
    },
    loss({ batch, tokens, weights }, context) {
      if (cache) return model.vqaLossFromEncoding(cache.encodings(batch), tokens, weights ?? [], forwardOptions(context)).loss;
      const inputs = prismerBatchInputs(batch, source.dataset.experts);
      return model.vqaLoss(inputs, tokens, weights ?? [], forwardOptions(context)).loss;
    },
  };
  if (!cache || !workers) return task;
  return dataParallel(task, cache, workers, (encodings, tokens, weights, context) => model.vqaLossFromEncoding(encodings, tokens, weights ?? [], forwardOptions(context)).loss);
}

export interface ExperimentTaskOptions {
  log?: (line: string) => void;
  /** Run folder of the expert latent warm-up (`train.latent_warmup`), e.g. `<run>/latent-warmup`. */
  warmupDir?: string;
  progress?: false | ProgressOptions;
  handleSignals?: boolean;
}

/**
 * The caption or VQA training task of an experiment (`setup.config.task`) over `train`, reading cached encoder
 * outputs when the encoder is frozen and the data deterministic (`prepareEncoderCache` logs why not otherwise).
 * With `train.latent_warmup.steps` > 0 the expert latent warm-up runs first (in `warmupDir`), so the cache
 * holds the warmed-up encoder's outputs; `warmup` is its result.
 */
export async function experimentTrainTask(setup: ExperimentSetup, model: PrismerCaption | PrismerVQA, train: PrismerDataset, options: ExperimentTaskOptions = {}): Promise<{ task: TrainTask<PrismerTrainBatch>; warmup: TrainResult | null }> {
  const config = setup.config;
  const source = new SampleSource(train, setup.augment);
  let warmup: TrainResult | null = null;
  const w = config.train.latent_warmup;
  if (w.steps > 0 && train.experts.length === 0) {
    options.log?.('latent warm-up: skipped (no experts besides rgb, so no resampler)');
  } else if (w.steps > 0) {
    if (!options.warmupDir) throw new Error('train.latent_warmup: no folder given for the warm-up run');
    warmup = await warmUpExpertLatents(model, source, {
      steps: w.steps, lr: w.lr, grid: w.grid, mode: w.mode, batchSize: config.batch_size_train, weightDecay: config.weight_decay, seed: config.train.seed,
      cacheMb: config.train.encoder_cache_mb, outDir: options.warmupDir, progress: options.progress, handleSignals: options.handleSignals, log: options.log,
    });
    if (warmup.interrupted) throw new Error(`latent warm-up interrupted at step ${warmup.steps} (checkpoint ${warmup.checkpoint}); run the same command again to resume it`);
    options.log?.(`latent warm-up: ${warmup.steps} steps in ${warmup.seconds.toFixed(1)} s, final loss ${warmup.history.at(-1)?.loss.toFixed(3) ?? 'n/a'} (1.0 = predicting the mean)`);
  }
  const cache = (await prepareEncoderCache(model, source, config, setup.augment, options.log, { stemsCalibrated: warmup !== null })) ?? undefined;
  let workers: GradientWorkers | undefined;
  if (config.train.workers > 0 && !cache) {
    options.log?.(`train.workers: off (the ${config.train.workers} gradient worker(s) share batches of cached encoder outputs, and this run has no encoder cache)`);
  } else if (config.train.workers > 0) {
    const started = performance.now();
    const names = parametersToTrain(model.store, parseLrScale(config.train.lr_scale)).map(([name]) => name);
    workers = await GradientWorkers.start(config.train.workers, config, names);
    options.log?.(`train.workers: ${workers.count} gradient worker thread(s) each compute a share of every batch beside this thread (started in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const task = config.task === 'vqa'
    ? vqaTrainTask('vqa', model as PrismerVQA, setup.tokenizer, source, cache, workers)
    : captionTrainTask('caption', model as PrismerCaption, setup.tokenizer, source, config.prefix, cache, workers);
  return { task, warmup };
}
