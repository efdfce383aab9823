import type { PrismerDataset, PrismerSample } from '../data/datasets.js';
import { collatePrismerBatch, type PrismerBatch } from '../data/loader.js';
import { mixSeed } from '../data/rng.js';
import { prismerBatchInputs } from './batch-inputs.js';
import { prepareEncoderCache, type EncoderOutputCache } from './encoder-cache.js';
import type { ExperimentSetup } from './experiment.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { PrismerVQA } from '../model/prismer-vqa.js';
import type { DecoderTokenBatch } from '../model/prismer.js';
import { captionTrainBatch, vqaTrainBatch } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { TrainStepContext, TrainTask } from './trainer.js';

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

  async collate(indices: readonly number[], seed: number): Promise<PrismerBatch> {
    const samples = await Promise.all(indices.map((i) => this.load(i, seed)));
    return collatePrismerBatch(samples, samples.length, this.dataset.resolution, this.dataset.labelResolution, this.dataset.experts);
  }
}

function forwardOptions(context: TrainStepContext): { training: boolean; dropoutSeed: number; encoder: { training: boolean } } {
  // model.train() in the official scripts: dropout on, BatchNorm on batch statistics.
  return { training: true, dropoutSeed: context.seed, encoder: { training: true } };
}

/**
 * Caption training (and pre-training / classification, which use the same caption loss). With `cache` (a
 * frozen encoder over deterministic data) the decoder reads the cached encodings instead of running the encoder.
 */
export function captionTrainTask(name: string, model: PrismerCaption, tokenizer: TextTokenizer, source: SampleSource, prefix: string, cache?: EncoderOutputCache): TrainTask<PrismerTrainBatch> {
  return {
    name, store: model.store, size: source.dataset.length,
    async loadBatch(indices, context) {
      const batch = await source.collate(indices, context.seed);
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
}

/** VQA training: question + answer tokens, the loss weighted per sample (official `weights * loss`). */
export function vqaTrainTask(name: string, model: PrismerVQA, tokenizer: TextTokenizer, source: SampleSource, cache?: EncoderOutputCache): TrainTask<PrismerTrainBatch> {
  return {
    name, store: model.store, size: source.dataset.length,
    async loadBatch(indices, context) {
      const batch = await source.collate(indices, context.seed);
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
}

/**
 * The caption or VQA training task of an experiment (`setup.config.task`) over `train`, reading cached encoder
 * outputs when the encoder is frozen and the data deterministic (`prepareEncoderCache` logs why not otherwise).
 */
export async function experimentTrainTask(setup: ExperimentSetup, model: PrismerCaption | PrismerVQA, train: PrismerDataset, log?: (line: string) => void): Promise<TrainTask<PrismerTrainBatch>> {
  const source = new SampleSource(train, setup.augment);
  const cache = (await prepareEncoderCache(model, source, setup.config, setup.augment, log)) ?? undefined;
  return setup.config.task === 'vqa'
    ? vqaTrainTask('vqa', model as PrismerVQA, setup.tokenizer, source, cache)
    : captionTrainTask('caption', model as PrismerCaption, setup.tokenizer, source, setup.config.prefix, cache);
}
