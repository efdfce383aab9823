import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../nn/parameters.js';
import { loadStateDictInto, type StateDictLoadOptions, type StateDictLoadReport } from '../io/load-state-dict.js';
import type { TensorRecord } from '../io/tensor-record.js';
import { ExpertEncoder, type ExpertEncoderApplyOptions, type ExpertEncoderConfig, type ExpertInputs } from './encoder/expert-encoder.js';
import { PrismerTextDecoder, type TextDecoderOutput } from './decoder/text-decoder.js';
import type { TextDecoderConfig } from './decoder/config.js';
import { applyPrismerFreezeMode, type PrismerFreezeMode } from './freeze.js';
import { reorderTextDecoderCache, type TextDecoderCache } from './decoder/cache.js';
import type { DecoderCache } from './incremental.js';
import type { DecoderForward, GenerationModel } from './beam-search-steps.js';
import { generate, type GenerateOptions, type GenerateOutput } from './generate.js';
import { rankAnswers, type CachedRankDecoder, type RankResult } from '../inference/rank.js';
import { prismerExperts } from './encoder/experts.js';
import type { AttentionRecorder } from './attention.js';
import { encoderConfigForSize, type ModelSize } from './sizes.js';

/** The two halves of a Prismer model. */
export interface PrismerConfig {
  encoder: ExpertEncoderConfig;
  decoder: TextDecoderConfig;
}

/**
 * The config of a named size (configs/models.yaml) for an experiment's `experts` (official names,
 * e.g. `['depth', 'seg_coco']`; `[]` or `['none']` is PrismerZ) and rgb `imageResolution`.
 */
export function prismerConfigForSize(size: ModelSize, experts: readonly string[], imageResolution: number): PrismerConfig {
  return { encoder: encoderConfigForSize(size, prismerExperts(experts), imageResolution), decoder: { ...size.decoder } };
}

/**
 * Decoder token rows (right-padded, equal lengths), e.g. a lib/text `TokenBatch` / `LabelledBatch`:
 * `labels` uses -100 where no loss is taken.
 */
export interface DecoderTokenBatch {
  inputIds: number[][];
  attentionMask: number[][];
  labels?: number[][];
}

export interface PrismerForwardOptions {
  /** Expert-encoder options (instance rows, BatchNorm training mode, captures). */
  encoder?: ExpertEncoderApplyOptions;
  /** Decoder dropout as the official model in `train()`; default false (eval). */
  training?: boolean;
  dropoutSeed?: number;
  /** Return the decoder's `tf.*` / `tf.dec.*` intermediates. */
  capture?: boolean;
  /** Records attention probabilities (decoder; encoder too in forwardTeacherForced unless `encoder.attention` is set). */
  attention?: AttentionRecorder;
}

export interface PrismerTeacherForcedOutput extends TextDecoderOutput {
  /** The official `expert_encoder(experts)` output, sequence-first [L, B, D]. */
  encoderOut: tf.Tensor3D;
}

/** Training loss of a batch: per sample (summed over tokens) and the batch mean the official code returns. */
export interface PrismerLoss {
  lossPerSample: tf.Tensor1D;
  loss: tf.Scalar;
}

/** How the ViT starts: the official random initialisation, or `ExpertEncoder.initStructured`. */
export type VitInit = 'random' | 'structured';

export interface PrismerOptions {
  seed?: number;
  freeze?: PrismerFreezeMode;
  vitInit?: VitInit;
}

/**
 * Prismer (model/prismer.py): the expert encoder (`expert_encoder.*`) and the text decoder (`text_decoder.*`)
 * in one ParameterStore keyed by the official state_dict names, and the freeze modes. The task wrappers
 * PrismerCaption and PrismerVQA add the official training losses and rank inference.
 */
export class Prismer {
  readonly store: ParameterStore;
  readonly expertEncoder: ExpertEncoder;
  readonly textDecoder: PrismerTextDecoder;
  private mode: PrismerFreezeMode = 'none';

  /**
   * `seed` makes the random initialisation (before a checkpoint is loaded) reproducible; `vitInit: 'structured'`
   * starts the ViT from `ExpertEncoder.initStructured` instead of the official random initialisation.
   */
  constructor(readonly config: PrismerConfig, options: PrismerOptions = {}) {
    if (config.encoder.width !== config.decoder.visionHiddenSize) {
      throw new Error(`Prismer config: encoder width ${config.encoder.width} != decoder visionHiddenSize ${config.decoder.visionHiddenSize}`);
    }
    this.store = new ParameterStore(options.seed ?? 0);
    this.expertEncoder = new ExpertEncoder(this.store, 'expert_encoder', config.encoder);
    this.textDecoder = new PrismerTextDecoder(this.store, 'text_decoder', config.decoder);
    if (options.vitInit === 'structured') this.expertEncoder.initStructured();
    this.setFreezeMode(options.freeze ?? 'none');
  }

  get freezeMode(): PrismerFreezeMode {
    return this.mode;
  }

  /** Marks parameters trainable exactly as the official `prepare_to_train(mode)`. */
  setFreezeMode(mode: PrismerFreezeMode): void {
    applyPrismerFreezeMode(this.store, mode);
    this.mode = mode;
  }

  /** State-dict names that alias a parameter (HF tied LM head). */
  tiedAliases(): Record<string, string> {
    return this.textDecoder.tiedAliases();
  }

  /**
   * Loads an official state_dict (read with lib/io `readCheckpoint`). Strict by default: any missing or
   * unexpected key or shape mismatch throws one line naming them, before anything is assigned.
   */
  loadStateDict(stateDict: ReadonlyMap<string, TensorRecord>, options: StateDictLoadOptions = {}): StateDictLoadReport {
    return loadStateDictInto(this.store.entries(), stateDict, { aliases: this.tiedAliases(), ...options });
  }

  /** The official `expert_encoder(experts)`: sequence-first [L, B, D]. */
  encodeSequenceFirst(inputs: ExpertInputs, options: ExpertEncoderApplyOptions = {}): tf.Tensor3D {
    return this.expertEncoder.apply(inputs, options);
  }

  /** Encoder output as the decoder reads it, `rearrange('l b d -> b l d')`: [B, L, D]. */
  encode(inputs: ExpertInputs, options: ExpertEncoderApplyOptions = {}): tf.Tensor3D {
    return tf.tidy(() => tf.transpose(this.encodeSequenceFirst(inputs, options), [1, 0, 2]) as tf.Tensor3D);
  }

  /** Teacher-forced decoder pass over `batch` with a batch-first encoding [B, L, D]. */
  decode(encoderHidden: tf.Tensor3D, batch: DecoderTokenBatch, options: PrismerForwardOptions = {}): TextDecoderOutput {
    return withBatchTensors(batch, encoderHidden.shape[0], (tensors) => this.textDecoder.forward(tensors.inputIds, encoderHidden, {
      attentionMask: tensors.attentionMask, labels: tensors.labels, capture: options.capture,
      training: options.training, dropoutSeed: options.dropoutSeed, attention: options.attention,
    }));
  }

  /** Encoder and teacher-forced decoder in one call (what `prismer forward` runs). */
  forwardTeacherForced(inputs: ExpertInputs, batch: DecoderTokenBatch, options: PrismerForwardOptions = {}): PrismerTeacherForcedOutput {
    const encoderOptions = options.attention ? { ...options.encoder, attention: options.encoder?.attention ?? options.attention } : options.encoder;
    const encoderOut = this.encodeSequenceFirst(inputs, encoderOptions);
    const hidden = tf.transpose(encoderOut, [1, 0, 2]) as tf.Tensor3D;
    try {
      return { encoderOut, ...this.decode(hidden, batch, options) };
    } catch (error) {
      encoderOut.dispose();
      throw error;
    } finally {
      hidden.dispose();
    }
  }

  /**
   * Per-sample decoder loss of a labelled batch and its (optionally weighted) batch mean:
   * `mean(weights * loss_per_sample)`, the official caption (`weights` = 1) and VQA training losses.
   */
  protected lossFromEncoding(encoderHidden: tf.Tensor3D, batch: DecoderTokenBatch, weights: readonly number[] | null, options: PrismerForwardOptions): PrismerLoss {
    if (!batch.labels) throw new Error('training loss: the token batch has no labels');
    if (weights && weights.length !== batch.inputIds.length) throw new Error(`training loss: ${weights.length} weights for ${batch.inputIds.length} samples`);
    // The loss alone: the decoder skips the output FFN and LM head at unlabelled positions (the VQA question).
    const lossPerSample = withBatchTensors(batch, encoderHidden.shape[0], (tensors) => this.textDecoder.lossPerSample(tensors.inputIds, encoderHidden, tensors.labels!, {
      attentionMask: tensors.attentionMask, training: options.training, dropoutSeed: options.dropoutSeed, attention: options.attention,
    }));
    const loss = tf.tidy(() => tf.mean(weights ? tf.mul(lossPerSample, tf.tensor1d([...weights])) : lossPerSample) as tf.Scalar);
    return { lossPerSample, loss };
  }

  /** `lossFromEncoding` after running the expert encoder on `inputs`. */
  protected lossFromInputs(inputs: ExpertInputs, batch: DecoderTokenBatch, weights: readonly number[] | null, options: PrismerForwardOptions): PrismerLoss {
    const hidden = this.encode(inputs, options.encoder);
    try {
      return this.lossFromEncoding(hidden, batch, weights, options);
    } finally {
      hidden.dispose();
    }
  }

  /**
   * The decoder as lib/model/generate runs it: 'cached' (KV cache, padded prompts masked exactly, cache
   * reordered with its padding state) or 'full' (the official re-forward of the whole sequence per step).
   * Both reuse the cross-attention keys/values of the encoder output over the steps.
   */
  /** The decoder's full forward as a callback (logits only), for ranking and the uncached generation path. */
  decoderForward(): DecoderForward {
    return (inputIds, attentionMask, encoderHidden) => this.textDecoder.forward(inputIds, encoderHidden, { attentionMask }).logits;
  }

  generationModel(path: 'cached' | 'full' = 'cached'): GenerationModel {
    const decoder = this.textDecoder;
    const withEncoder = <T>(encoderHidden: tf.Tensor3D, body: () => T): T => decoder.withCrossAttentionCache(encoderHidden, body);
    if (path === 'full') return { kind: 'full', forward: this.decoderForward(), withEncoder };
    return { kind: 'cached', decoder, acceptsPromptMask: true, reorderCache: this.rankDecoder().reorderCache, withEncoder };
  }

  /**
   * `text_decoder.generate` on prompt rows (right-padded ids and mask) after encoding `inputs`; eos/pad ids
   * come from the decoder config. See lib/model/generate.ts for the search itself.
   */
  generateFrom(inputs: ExpertInputs, prompt: { inputIds: number[][]; attentionMask: number[][] }, options: Omit<GenerateOptions, 'eosTokenId' | 'padTokenId'>, path: 'cached' | 'full' = 'cached', encoder: ExpertEncoderApplyOptions = {}): GenerateOutput {
    const hidden = this.encode(inputs, encoder);
    try {
      const { eosTokenId, padTokenId } = this.config.decoder;
      return generate(this.generationModel(path), prompt.inputIds, prompt.attentionMask, hidden, { ...options, eosTokenId, padTokenId });
    } finally {
      hidden.dispose();
    }
  }

  /**
   * The official rank inference with an encoding already computed (batch-first [B, L, D]): `start` rows are
   * the right-padded question / prefix ids, `answers` the tokenised candidates. See PrismerVQA.rank / PrismerCaption.rank.
   */
  rankFromEncoding(encoderHidden: tf.Tensor3D, start: { inputIds: number[][]; attentionMask: number[][] }, answers: { inputIds: number[][]; attentionMask: number[][] }, kTest: number): RankResult {
    return rankAnswers(this.rankDecoder(), encoderHidden, start, answers, { kTest, padId: this.config.decoder.padTokenId });
  }

  /** The cached decoder rank inference runs on: each question once, then only the candidates' own tokens. */
  rankDecoder(): CachedRankDecoder {
    return { decoder: this.textDecoder, reorderCache: (cache: DecoderCache, rows: number[]) => reorderTextDecoderCache(cache as TextDecoderCache, rows) };
  }

  dispose(): void {
    this.textDecoder.releaseCaches();
    this.store.dispose();
  }
}

/** Int32 tensors of a token batch, with shape checks naming the offending field. */
export function decoderBatchTensors(batch: DecoderTokenBatch, expectedRows?: number): { inputIds: tf.Tensor2D; attentionMask: tf.Tensor2D; labels?: tf.Tensor2D } {
  const rows = batch.inputIds.length;
  const width = batch.inputIds[0]?.length ?? 0;
  if (rows === 0 || width === 0) throw new Error('token batch: inputIds is empty');
  if (expectedRows !== undefined && rows !== expectedRows) throw new Error(`token batch: ${rows} rows of inputIds for ${expectedRows} encoded samples`);
  const check = (name: string, value: number[][]): void => {
    if (value.length !== rows || value.some((r) => r.length !== width)) throw new Error(`token batch: ${name} must be ${rows} rows of ${width} (as inputIds)`);
  };
  check('inputIds', batch.inputIds);
  check('attentionMask', batch.attentionMask);
  if (batch.labels) check('labels', batch.labels);
  return {
    inputIds: tf.tensor2d(batch.inputIds, [rows, width], 'int32'),
    attentionMask: tf.tensor2d(batch.attentionMask, [rows, width], 'int32'),
    labels: batch.labels ? tf.tensor2d(batch.labels, [rows, width], 'int32') : undefined,
  };
}

/** Runs `body` on the batch's tensors (`decoderBatchTensors`) and disposes them afterwards. */
function withBatchTensors<T>(batch: DecoderTokenBatch, expectedRows: number, body: (tensors: ReturnType<typeof decoderBatchTensors>) => T): T {
  const tensors = decoderBatchTensors(batch, expectedRows);
  try {
    return body(tensors);
  } finally {
    tf.dispose([tensors.inputIds, tensors.attentionMask, ...(tensors.labels ? [tensors.labels] : [])]);
  }
}
