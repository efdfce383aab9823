import * as tf from '@tensorflow/tfjs';
import { disposeCache, type DecoderCache, type IncrementalDecoder } from './incremental.js';

/**
 * How generation obtains next-token logits. Two interchangeable paths that must give the same tokens:
 * - cached: an IncrementalDecoder runs the prompt once, then one token per step, with the self-attention
 *   cache reordered by beam index after every step;
 * - full: a plain decoder forward re-runs the whole sequence every step with its attention mask, which is
 *   what the official code does (its `prepare_inputs_for_generation` passes no past), and the only path
 *   that handles prompts of different lengths (right-padded VQA questions) exactly.
 */

/** A full decoder forward pass: ids [N, T], mask [N, T] (1 = token), encoder output [N, L, D] → logits [N, T, V]. */
export type DecoderForward = (inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, encoderHidden: tf.Tensor3D) => tf.Tensor3D;

/**
 * An IncrementalDecoder that also takes a padding mask over the NEW positions (4th argument, [N, t],
 * 1 = token) and remembers it in its cache, so later steps keep the prompt's pads masked (lib/model's
 * PrismerTextDecoder does). Such a cache usually carries more than keys/values: pass its `reorderCache`.
 */
export type MaskedIncrementalDecoder = IncrementalDecoder & {
  forwardIncremental(inputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, past: DecoderCache | null, attentionMask?: tf.Tensor2D): { logits: tf.Tensor3D; cache: DecoderCache };
};

/** Runs `body` with the per-beam encoder output, e.g. a decoder's cross-attention key/value memo. */
export type EncoderScope = <T>(encoderHidden: tf.Tensor3D, body: () => T) => T;

export interface CachedGenerationModel {
  kind: 'cached';
  decoder: IncrementalDecoder | MaskedIncrementalDecoder;
  /** Set when `decoder` is a MaskedIncrementalDecoder: right-padded prompts are then decoded exactly. */
  acceptsPromptMask?: boolean;
  /** New cache whose row r is row `rows[r]` (beam reordering); default gathers keys and values. Must not dispose its input. */
  reorderCache?: (cache: DecoderCache, rows: number[]) => DecoderCache;
  withEncoder?: EncoderScope;
}

export interface FullGenerationModel {
  kind: 'full';
  forward: DecoderForward;
  withEncoder?: EncoderScope;
}

/** What generation runs: a cached incremental decoder, or a full forward re-run per step. */
export type GenerationModel = CachedGenerationModel | FullGenerationModel;

/** Produces the last-position logits [R, V] for the current rows, step after step. */
export interface StepRunner {
  /** Logits of the last prompt column for every row. */
  first(): tf.Tensor2D;
  /** Appends `tokens[r]` to row `order[r]` of the previous step (rows reordered, e.g. by beam) and returns the new last logits. */
  next(tokens: readonly number[], order: readonly number[] | null): tf.Tensor2D;
  dispose(): void;
}

function lastColumn(logits: tf.Tensor3D): tf.Tensor2D {
  const [n, t, v] = logits.shape;
  return tf.tidy(() => logits.slice([0, t - 1, 0], [n, 1, v]).reshape([n, v]) as tf.Tensor2D);
}

function isIdentity(order: readonly number[] | null): boolean {
  return order === null || order.every((v, i) => v === i);
}

function gatherCache(cache: DecoderCache, rows: number[]): DecoderCache {
  const index = tf.tensor1d(rows, 'int32');
  try {
    return {
      keys: cache.keys.map((k) => tf.gather(k, index) as tf.Tensor4D),
      values: cache.values.map((v) => tf.gather(v, index) as tf.Tensor4D),
      length: cache.length,
    };
  } finally {
    index.dispose();
  }
}

/** Cached path: the prompt runs once (with its mask when the decoder takes one), then one token per step. */
class CachedRunner implements StepRunner {
  private cache: DecoderCache | null = null;

  constructor(private readonly model: CachedGenerationModel, private readonly prompt: number[][], private readonly promptMask: number[][] | null, private readonly encoderHidden: tf.Tensor3D) {}

  private run(ids: number[][], mask: number[][] | null): tf.Tensor2D {
    const input = tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32');
    const maskTensor = mask ? tf.tensor2d(mask, [mask.length, mask[0]!.length], 'int32') : null;
    try {
      const { logits, cache } = maskTensor
        ? (this.model.decoder as MaskedIncrementalDecoder).forwardIncremental(input, this.encoderHidden, this.cache, maskTensor)
        : this.model.decoder.forwardIncremental(input, this.encoderHidden, this.cache);
      disposeCache(this.cache);
      this.cache = cache;
      const last = lastColumn(logits);
      logits.dispose();
      return last;
    } finally {
      input.dispose();
      maskTensor?.dispose();
    }
  }

  first(): tf.Tensor2D {
    return this.run(this.prompt, this.promptMask);
  }

  next(tokens: readonly number[], order: readonly number[] | null): tf.Tensor2D {
    if (this.cache && !isIdentity(order)) {
      const old = this.cache;
      this.cache = (this.model.reorderCache ?? gatherCache)(old, [...order!]);
      disposeCache(old);
    }
    return this.run(tokens.map((t) => [t]), null);
  }

  dispose(): void {
    disposeCache(this.cache);
    this.cache = null;
  }
}

/** Full path: keeps ids and mask on the host and re-runs the whole sequence each step. */
class FullRunner implements StepRunner {
  private ids: number[][];
  private mask: number[][];

  constructor(private readonly forward: DecoderForward, prompt: number[][], promptMask: number[][], private readonly encoderHidden: tf.Tensor3D) {
    this.ids = prompt.map((r) => [...r]);
    this.mask = promptMask.map((r) => [...r]);
  }

  private run(): tf.Tensor2D {
    const n = this.ids.length;
    const t = this.ids[0]!.length;
    const ids = tf.tensor2d(this.ids, [n, t], 'int32');
    const mask = tf.tensor2d(this.mask, [n, t], 'int32');
    try {
      const logits = this.forward(ids, mask, this.encoderHidden);
      const last = lastColumn(logits);
      logits.dispose();
      return last;
    } finally {
      ids.dispose();
      mask.dispose();
    }
  }

  first(): tf.Tensor2D {
    return this.run();
  }

  next(tokens: readonly number[], order: readonly number[] | null): tf.Tensor2D {
    const rows = order ?? this.ids.map((_, i) => i);
    this.ids = rows.map((r, i) => [...this.ids[r]!, tokens[i]!]);
    this.mask = rows.map((r) => [...this.mask[r]!, 1]);
    return this.run();
  }

  dispose(): void {}
}

/**
 * A step runner over `prompt` rows (already expanded per beam) and `encoderHidden` [rows, L, D].
 * The cached path refuses padded prompts, naming the full path as the exact alternative.
 */
export function createStepRunner(model: GenerationModel, prompt: number[][], promptMask: number[][], encoderHidden: tf.Tensor3D): StepRunner {
  if (encoderHidden.shape[0] !== prompt.length) {
    throw new Error(`generate: encoder output has ${encoderHidden.shape[0]} rows, expected ${prompt.length} (one per prompt row and beam)`);
  }
  if (model.kind === 'cached') {
    const padded = promptMask.some((row) => row.some((m) => m !== 1));
    if (padded && !model.acceptsPromptMask) {
      throw new Error('generate: prompts with padding need a decoder that takes a prompt mask (acceptsPromptMask) or the full (uncached) decoder path');
    }
    return new CachedRunner(model, prompt, padded ? promptMask : null, encoderHidden);
  }
  return new FullRunner(model.forward, prompt, promptMask, encoderHidden);
}
