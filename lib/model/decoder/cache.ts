import * as tf from '@tensorflow/tfjs';
import type { DecoderCache } from '../incremental.js';
import type { TextDecoderConfig } from './config.js';

/**
 * The text decoder's KV cache: the DecoderCache contract plus host-side padding state, so that a
 * right-padded prompt keeps its pads masked and position ids keep counting only real tokens.
 * Both extras are optional: a cache without them means "every cached position is a token".
 */
export interface TextDecoderCache extends DecoderCache {
  /** [N × length] row-major, 1 = attended, 0 = pad. */
  attended?: number[];
  /** [N] number of non-pad ids cached per row (what the next position id continues from). */
  tokenCounts?: number[];
}

export interface PaddingState {
  attended: number[];
  tokenCounts: number[];
}

/** The padding state of `past` for `batch` rows (all attended when the cache carries none). */
export function cachePaddingState(past: TextDecoderCache | null, batch: number): PaddingState {
  if (!past) return { attended: [], tokenCounts: new Array<number>(batch).fill(0) };
  if (past.attended === undefined || past.tokenCounts === undefined) {
    return { attended: new Array<number>(batch * past.length).fill(1), tokenCounts: new Array<number>(batch).fill(past.length) };
  }
  if (past.attended.length !== batch * past.length || past.tokenCounts.length !== batch) {
    throw new Error(`text decoder cache: padding state is for ${past.tokenCounts.length} rows, the cache has ${batch} (reorder caches with reorderTextDecoderCache)`);
  }
  return { attended: past.attended, tokenCounts: past.tokenCounts };
}

/** Appends `length` new positions per row (`ids`, `mask` row-major [batch × length]). */
export function extendPaddingState(state: PaddingState, pastLength: number, ids: ArrayLike<number>, mask: ArrayLike<number>, batch: number, length: number, padTokenId: number): PaddingState {
  const attended: number[] = [];
  const tokenCounts: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < pastLength; j++) attended.push(state.attended[b * pastLength + j]!);
    let count = state.tokenCounts[b]!;
    for (let j = 0; j < length; j++) {
      attended.push(mask[b * length + j] ? 1 : 0);
      if (ids[b * length + j] !== padTokenId) count++;
    }
    tokenCounts.push(count);
  }
  return { attended, tokenCounts };
}

/**
 * A new cache whose row r is row `rows[r]` of `cache` (beam reordering / selection), padding state included.
 * The input cache is not disposed.
 */
export function reorderTextDecoderCache(cache: TextDecoderCache, rows: number[]): TextDecoderCache {
  const batch = cache.keys[0]?.shape[0] ?? 0;
  for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= batch) throw new Error(`reorderTextDecoderCache: row ${r} is outside [0, ${batch})`);
  const index = tf.tensor1d(rows, 'int32');
  const keys = cache.keys.map((k) => tf.gather(k, index, 0) as tf.Tensor4D);
  const values = cache.values.map((v) => tf.gather(v, index, 0) as tf.Tensor4D);
  index.dispose();
  const out: TextDecoderCache = { keys, values, length: cache.length };
  if (cache.attended && cache.tokenCounts) {
    const state = cachePaddingState(cache, batch);
    out.attended = rows.flatMap((r) => state.attended.slice(r * cache.length, (r + 1) * cache.length));
    out.tokenCounts = rows.map((r) => state.tokenCounts[r]!);
  }
  return out;
}

/** Shape and dtype checks shared by the decoder entry points; `where` names the caller in errors. */
export function checkDecoderInputs(config: TextDecoderConfig, inputIds: tf.Tensor2D | null, encoderHidden: tf.Tensor3D, attentionMask: tf.Tensor2D | undefined, where: string): void {
  if (encoderHidden.rank !== 3 || encoderHidden.shape[2] !== config.visionHiddenSize) {
    throw new Error(`${where}: encoder_hidden_states must be [N, L, ${config.visionHiddenSize}] (batch-first), got [${encoderHidden.shape.join(', ')}]`);
  }
  if (!inputIds) return;
  if (inputIds.rank !== 2) throw new Error(`${where}: input_ids must be [N, T], got [${inputIds.shape.join(', ')}]`);
  if (inputIds.dtype !== 'int32') throw new Error(`${where}: input_ids must be int32, got ${inputIds.dtype}`);
  if (inputIds.shape[0] !== encoderHidden.shape[0]) {
    throw new Error(`${where}: input_ids has ${inputIds.shape[0]} rows but encoder_hidden_states ${encoderHidden.shape[0]}`);
  }
  if (attentionMask && (attentionMask.rank !== 2 || attentionMask.shape[0] !== inputIds.shape[0] || attentionMask.shape[1] !== inputIds.shape[1])) {
    throw new Error(`${where}: attention_mask [${attentionMask.shape.join(', ')}] does not match input_ids [${inputIds.shape.join(', ')}]`);
  }
}
