import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { DecoderCache, IncrementalDecoder } from '../incremental.js';
import { attentionHook, type AttentionRecorder } from '../attention.js';
import { DecoderAttention, type AttentionKeyValues } from './attention.js';
import { NormLateAdaptor } from './adaptor.js';
import { validateTextDecoderConfig, type TextDecoderConfig } from './config.js';
import { DecoderEmbeddings } from './embeddings.js';
import { DecoderFeedForward } from './feed-forward.js';
import { LmHead } from './lm-head.js';
import { decoderLossPerSample, IGNORE_INDEX, labelSmoothedTokenLoss } from './loss.js';
import { decoderExtendedAttentionMask, decoderPositionIds } from './masks.js';
import { decoderDropout, type DecoderDropout } from './dropout.js';
import { clearTransposedWeightCache } from '../../nn/weight-matmul.js';
import { checkDecoderInputs, type TextDecoderCache, cachePaddingState, extendPaddingState } from './cache.js';

/** One decoder layer: `encoder.layer.{i}.0` (self-attention + FFN), `.1` (cross-attention), `.2` (adaptor). */
export interface DecoderLayer {
  selfAttention: DecoderAttention;
  feedForward: DecoderFeedForward;
  crossAttention: DecoderAttention;
  adaptor: NormLateAdaptor;
}

export interface TextDecoderForwardOptions {
  /** [B, T], 1 = token, 0 = pad; all ones when omitted (as HF). */
  attentionMask?: tf.Tensor2D;
  /** [B, T] int32 labels with -100 at ignored positions; adds `lossPerSample`. */
  labels?: tf.Tensor2D;
  /** Also return the intermediates named as the parity fixtures' `tf.*` / `tf.dec.*` captures. */
  capture?: boolean;
  /** Training mode: dropout as the official model in `train()` (config rates, default 0.1). Default false (eval). */
  training?: boolean;
  /** Seed of the training-mode dropout masks (reproducible passes); unseeded when omitted. */
  dropoutSeed?: number;
  /** Records self- and cross-attention probabilities per layer (output layer = numHiddenLayers); off and free when absent. */
  attention?: AttentionRecorder;
}

export interface TextDecoderOutput {
  /** [B, T, V]. */
  logits: tf.Tensor3D;
  /** [B], label-smoothed (0.1) loss summed per sample; only with `labels`. */
  lossPerSample?: tf.Tensor1D;
  /**
   * With `capture`: `position_ids`, `extended_attention_mask`, `embeddings_out`, `layer{i}.1_self_attn_out`,
   * `layer{i}.2_cross_attn_out`, `layer{i}.3_adaptor_out`, `layer{i}.4_mlp_out`, `output_layer.1_self_attn_out`,
   * `output_layer.2_mlp_out` ([B, T, H] except the first two). The caller disposes them.
   */
  captures?: Map<string, tf.Tensor>;
}

/** The state-dict names that alias another tensor in official checkpoints (HF `tie_weights`), relative to the decoder. */
export const TEXT_DECODER_TIED_ALIASES: Readonly<Record<string, string>> = {
  'lm_head.decoder.weight': 'roberta.embeddings.word_embeddings.weight',
  'lm_head.decoder.bias': 'lm_head.bias',
};

/**
 * Prismer's text decoder (`RobertaForCausalLMModified`): RoBERTa embeddings, `numHiddenLayers` layers of
 * causal self-attention → cross-attention to the expert encoder → norm-late adaptor → FFN, an output layer
 * (self-attention + FFN), and the tied LM head. Parameters live under `prefix` (`text_decoder` in Prismer
 * checkpoints) with the official names. Implements the incremental (KV-cache) contract for generation.
 * On wasm the products run on cached transposed weights (lib/nn/weight-matmul: about 10× faster, as much
 * memory again as the weights); `releaseCaches()` frees that shared cache (Prismer.dispose does).
 */
export class PrismerTextDecoder extends Module implements IncrementalDecoder {
  readonly embeddings: DecoderEmbeddings;
  readonly layers: DecoderLayer[] = [];
  readonly outputLayer: { selfAttention: DecoderAttention; feedForward: DecoderFeedForward };
  readonly lmHead: LmHead;
  private crossMemo: { source: tf.Tensor3D; keyValues: AttentionKeyValues[] } | null = null;

  constructor(store: ParameterStore, prefix: string, readonly config: TextDecoderConfig) {
    super(store, prefix);
    validateTextDecoderConfig(config);
    this.embeddings = new DecoderEmbeddings(store, this.child('roberta.embeddings'), config);
    for (let i = 0; i < config.numHiddenLayers; i++) {
      const layer = this.child(`roberta.encoder.layer.${i}`);
      const selfAttention = new DecoderAttention(store, `${layer}.0.attention`, config, false);
      const feedForward = new DecoderFeedForward(store, `${layer}.0`, config);
      const crossAttention = new DecoderAttention(store, `${layer}.1`, config, true);
      const adaptor = new NormLateAdaptor(store, `${layer}.2`, config);
      this.layers.push({ selfAttention, feedForward, crossAttention, adaptor });
    }
    const output = this.child('roberta.encoder.output_layer');
    this.outputLayer = {
      selfAttention: new DecoderAttention(store, `${output}.attention`, config, false),
      feedForward: new DecoderFeedForward(store, output, config),
    };
    this.lmHead = new LmHead(store, this.child('lm_head'), config, () => this.embeddings.wordEmbeddings);
  }

  /** Tied aliases with full names (`text_decoder.lm_head.decoder.weight` → `text_decoder.roberta...`). */
  tiedAliases(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [alias, target] of Object.entries(TEXT_DECODER_TIED_ALIASES)) out[this.key(alias)] = this.key(target);
    return out;
  }

  /**
   * Teacher-forced forward over whole sequences: `inputIds` int32 [B, T], `encoderHidden` [B, L, Dv] (batch-first).
   * Same numbers as the official forward in eval mode; `training` adds the official dropout.
   */
  forward(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, options: TextDecoderForwardOptions = {}): TextDecoderOutput {
    checkDecoderInputs(this.config, inputIds, encoderHidden, options.attentionMask, 'PrismerTextDecoder.forward');
    const captures = options.capture ? new Map<string, tf.Tensor>() : undefined;
    const keep = (name: string, t: tf.Tensor): void => {
      if (captures) captures.set(name, tf.keep(t.clone()));
    };
    const result = tf.tidy(() => {
      const { hidden, dropout } = this.beforeOutputFeedForward(inputIds, encoderHidden, options, keep);
      const output = this.outputLayer.feedForward.apply(hidden, dropout);
      keep('output_layer.2_mlp_out', output);
      const logits = this.lmHead.apply(output);
      const lossPerSample = options.labels ? decoderLossPerSample(logits, tf.cast(options.labels, 'int32') as tf.Tensor2D) : undefined;
      return lossPerSample ? { logits, lossPerSample } : { logits };
    });
    return captures ? { ...result, captures } : result;
  }

  /**
   * `forward(...).lossPerSample` without the logits: the output layer's FFN and the LM head act on each position
   * alone, so they run only on the positions whose next token has a label (a VQA batch's answer tokens, a caption
   * batch's caption tokens) — for VQA most of the sequence is the unlabelled question — when that saves work
   * (`labelledRowsPay`), else through `forward`. Same numbers as `forward` up to summation order; with dropout, that FFN's
   * mask is drawn for the labelled rows only (same distribution).
   * `labels` int32 [B, T] with IGNORE_INDEX at ignored positions → [B].
   */
  lossPerSample(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, labels: tf.Tensor2D, options: Omit<TextDecoderForwardOptions, 'labels' | 'capture'> = {}): tf.Tensor1D {
    checkDecoderInputs(this.config, inputIds, encoderHidden, options.attentionMask, 'PrismerTextDecoder.lossPerSample');
    const [batch, length] = inputIds.shape;
    if (labels.shape[0] !== batch || labels.shape[1] !== length) {
      throw new Error(`PrismerTextDecoder.lossPerSample: labels [${labels.shape.join(', ')}] do not match input_ids [${batch}, ${length}]`);
    }
    const picked = labelledPositions(tf.tidy(() => tf.cast(labels, 'int32').dataSync() as Int32Array), batch, length);
    if (!labelledRowsPay(picked.rows.length, batch * length, this.config)) {
      // The full forward: also the zero loss of a batch with nothing to score, which unlike a constant stays
      // connected to the parameters.
      const out = this.forward(inputIds, encoderHidden, { ...options, labels });
      out.logits.dispose();
      return out.lossPerSample!;
    }
    return tf.tidy(() => {
      const { hidden, dropout } = this.beforeOutputFeedForward(inputIds, encoderHidden, options, () => undefined);
      // Row selection and per-sample sums as products with 0/1 matrices: matMul (and its gradient) runs natively on
      // every backend, where gather's gradient and unsortedSegmentSum would fall back to the cpu on cuda.
      const n = picked.rows.length;
      const select = new Float32Array(n * batch * length);
      const sum = new Float32Array(batch * n);
      picked.rows.forEach((row, i) => {
        select[i * batch * length + row] = 1;
        sum[picked.samples[i]! * n + i] = 1;
      });
      const rows = tf.matMul(tf.tensor2d(select, [n, batch * length]), tf.reshape(hidden, [batch * length, hidden.shape[2]]) as tf.Tensor2D);
      const output = this.outputLayer.feedForward.apply(tf.expandDims(rows, 0) as tf.Tensor3D, dropout);
      const logits = this.lmHead.apply(output);
      const perToken = labelSmoothedTokenLoss(tf.squeeze(logits, [0]) as tf.Tensor2D, tf.tensor1d(picked.targets, 'int32'));
      return tf.reshape(tf.matMul(tf.tensor2d(sum, [batch, n]), tf.reshape(perToken, [n, 1]) as tf.Tensor2D), [batch]) as tf.Tensor1D;
    });
  }

  /** Embeddings, every layer and the output layer's self-attention: the hidden states [B, T, H] before its FFN. */
  private beforeOutputFeedForward(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, options: TextDecoderForwardOptions, keep: (name: string, t: tf.Tensor) => void): { hidden: tf.Tensor3D; dropout: DecoderDropout | undefined } {
    const [batch, length] = inputIds.shape;
    const ids = tf.cast(inputIds, 'int32') as tf.Tensor2D;
    const mask = options.attentionMask ? tf.cast(options.attentionMask, 'float32') as tf.Tensor2D : tf.ones([batch, length]) as tf.Tensor2D;
    const positionIds = decoderPositionIds(ids, this.config.padTokenId);
    const extended = decoderExtendedAttentionMask(mask);
    const dropout = options.training ? decoderDropout(this.config, options.dropoutSeed) : undefined;
    keep('position_ids', positionIds);
    keep('extended_attention_mask', extended);
    let hidden = this.embeddings.apply(ids, positionIds, dropout);
    keep('embeddings_out', hidden);
    this.layers.forEach((layer, i) => {
      hidden = layer.selfAttention.apply(hidden, extended, hidden, dropout, attentionHook(options.attention, { kind: 'decoder-self', layer: i }));
      keep(`layer${i}.1_self_attn_out`, hidden);
      hidden = this.crossAttend(i, hidden, encoderHidden, dropout, attentionHook(options.attention, { kind: 'decoder-cross', layer: i }));
      keep(`layer${i}.2_cross_attn_out`, hidden);
      hidden = layer.adaptor.apply(hidden);
      keep(`layer${i}.3_adaptor_out`, hidden);
      hidden = layer.feedForward.apply(hidden, dropout);
      keep(`layer${i}.4_mlp_out`, hidden);
    });
    hidden = this.outputLayer.selfAttention.apply(hidden, extended, hidden, dropout, attentionHook(options.attention, { kind: 'decoder-self', layer: this.layers.length }));
    keep('output_layer.1_self_attn_out', hidden);
    return { hidden, dropout };
  }

  /**
   * Runs `inputIds` [N, t] after the cached positions (IncrementalDecoder). Extension: `attentionMask` [N, t]
   * marks pads in the new positions (a right-padded prompt); it is remembered in the cache so that later steps
   * keep masking them. Position ids continue from the number of non-pad tokens decoded so far, so every step
   * equals a full re-forward of the whole sequence (the official code has no cache and re-forwards).
   */
  forwardIncremental(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, past: DecoderCache | null, attentionMask?: tf.Tensor2D): { logits: tf.Tensor3D; cache: TextDecoderCache } {
    checkDecoderInputs(this.config, inputIds, encoderHidden, attentionMask, 'PrismerTextDecoder.forwardIncremental');
    const [batch, length] = inputIds.shape;
    const pastLength = past ? past.length : 0;
    const layerCount = this.layers.length + 1;
    if (past && (past.keys.length !== layerCount || past.values.length !== layerCount)) {
      throw new Error(`PrismerTextDecoder.forwardIncremental: cache has ${past.keys.length} layers, expected ${layerCount}`);
    }
    if (past && past.keys[0]!.shape[0] !== batch) {
      throw new Error(`PrismerTextDecoder.forwardIncremental: cache has ${past.keys[0]!.shape[0]} rows, input_ids ${batch}`);
    }
    const padding = cachePaddingState(past as TextDecoderCache | null, batch);
    const newMask = attentionMask ? Array.from(tf.tidy(() => tf.cast(attentionMask, 'int32').dataSync() as Int32Array)) : new Array<number>(batch * length).fill(1);
    const idsHost = tf.tidy(() => tf.cast(inputIds, 'int32').dataSync() as Int32Array);
    const nextPadding = extendPaddingState(padding, pastLength, idsHost, newMask, batch, length, this.config.padTokenId);

    const out = tf.tidy(() => {
      const ids = tf.cast(inputIds, 'int32') as tf.Tensor2D;
      const fullMask = tf.tensor2d(nextPadding.attended, [batch, pastLength + length], 'float32');
      const extended = decoderExtendedAttentionMask(fullMask, length);
      const positionIds = decoderPositionIds(ids, this.config.padTokenId, tf.tensor1d(padding.tokenCounts, 'int32'));
      let hidden = this.embeddings.apply(ids, positionIds);
      const keys: tf.Tensor4D[] = [];
      const values: tf.Tensor4D[] = [];
      const selfAttend = (attention: DecoderAttention, index: number, h: tf.Tensor3D): tf.Tensor3D => {
        const current = attention.projectKeyValues(h);
        const k = past ? tf.concat([past.keys[index]!, current.keys], 2) as tf.Tensor4D : current.keys;
        const v = past ? tf.concat([past.values[index]!, current.values], 2) as tf.Tensor4D : current.values;
        keys.push(k);
        values.push(v);
        return attention.attend(h, { keys: k, values: v }, extended);
      };
      this.layers.forEach((layer, i) => {
        hidden = selfAttend(layer.selfAttention, i, hidden);
        hidden = this.crossAttend(i, hidden, encoderHidden);
        hidden = layer.adaptor.apply(hidden);
        hidden = layer.feedForward.apply(hidden);
      });
      hidden = selfAttend(this.outputLayer.selfAttention, this.layers.length, hidden);
      hidden = this.outputLayer.feedForward.apply(hidden);
      return { logits: this.lmHead.apply(hidden), keys, values };
    });
    const cache: TextDecoderCache = {
      keys: out.keys, values: out.values, length: pastLength + length,
      attended: nextPadding.attended, tokenCounts: nextPadding.tokenCounts,
    };
    return { logits: out.logits, cache };
  }

  /**
   * Runs `body` with the cross-attention keys/values of `encoderHidden` computed once and reused by every
   * `forward` / `forwardIncremental` call that passes this same tensor (they are otherwise recomputed per call,
   * the dominant cost of a decoding step). Disposed when `body` returns or its promise settles.
   */
  withCrossAttentionCache<T>(encoderHidden: tf.Tensor3D, body: () => T): T {
    if (this.crossMemo) throw new Error('PrismerTextDecoder.withCrossAttentionCache: calls cannot be nested');
    checkDecoderInputs(this.config, null, encoderHidden, undefined, 'PrismerTextDecoder.withCrossAttentionCache');
    const keyValues = this.layers.map((layer) => layer.crossAttention.projectKeyValues(encoderHidden));
    this.crossMemo = { source: encoderHidden, keyValues };
    const release = (): void => {
      for (const kv of keyValues) tf.dispose([kv.keys, kv.values]);
      this.crossMemo = null;
    };
    let result: T;
    try {
      result = body();
    } catch (error) {
      release();
      throw error;
    }
    if (result instanceof Promise) return result.finally(release) as T;
    release();
    return result;
  }

  /** Frees the shared cache of transposed weights (lib/nn/weight-matmul); entries are rebuilt on demand. */
  releaseCaches(): void {
    clearTransposedWeightCache();
  }

  /**
   * Cross-attention of layer `layer` to the encoder output: through the memoised keys and values inside
   * withCrossAttentionCache, else projected now (where the fused kernel reads them in place, without a head split).
   */
  private crossAttend(layer: number, hidden: tf.Tensor3D, encoderHidden: tf.Tensor3D, dropout?: DecoderDropout, onWeights?: (weights: tf.Tensor4D) => void): tf.Tensor3D {
    const attention = this.layers[layer]!.crossAttention;
    if (this.crossMemo && this.crossMemo.source === encoderHidden) return attention.attend(hidden, this.crossMemo.keyValues[layer]!, null, dropout, onWeights);
    return attention.apply(hidden, null, encoderHidden, dropout, onWeights);
  }
}

/**
 * The rows of the flattened [B·T] hidden states whose logits the shifted loss scores (position t predicts label
 * t + 1, as `decoderLossPerSample`), with their target ids and sample indices.
 */
function labelledPositions(labels: Int32Array, batch: number, length: number): { rows: number[]; targets: number[]; samples: number[] } {
  const rows: number[] = [];
  const targets: number[] = [];
  const samples: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t + 1 < length; t++) {
      const label = labels[b * length + t + 1]!;
      if (label === IGNORE_INDEX) continue;
      rows.push(b * length + t);
      targets.push(label);
      samples.push(b);
    }
  }
  return { rows, targets, samples };
}

/**
 * Whether `lossPerSample` selecting `labelled` of `positions` rows (a product costing labelled·positions·H, forward and
 * backward) saves more than it costs in the output FFN and LM head skipped at the other rows. A VQA batch of npm start's
 * model (2 of 15 tokens labelled) saves ~45× its cost; a caption batch with a small vocabulary, most tokens labelled, does not.
 */
export function labelledRowsPay(labelled: number, positions: number, config: Pick<TextDecoderConfig, 'hiddenSize' | 'intermediateSize' | 'vocabSize'>): boolean {
  if (labelled === 0) return false;
  const { hiddenSize: width, intermediateSize: inner, vocabSize: vocab } = config;
  return (positions - labelled) * width * (2 * inner + width + vocab) > 2 * labelled * positions * width;
}
