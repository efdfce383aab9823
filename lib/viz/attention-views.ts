/**
 * What the attention pictures show, computed on host arrays: head/layer averages, attention rollout
 * over the ViT layers, per generated word the cross-attention over the rgb patch grid and the share
 * it gives to rgb patches versus expert latents, and which experts each resampler latent reads.
 */
import { attentionRowOffset, checkAttentionMatrix, type AttentionCaptureResult, type AttentionMatrix, type EncoderTokenLayout } from './attention-types.js';

/** A head index, or 'mean' for the average over heads. */
export type HeadChoice = number | 'mean';
/** A layer index (as recorded), or 'mean' for the average over the recorded layers. */
export type LayerChoice = number | 'mean';

/** One [queries × keys] map: one head of `m` or the mean over its heads. */
export function selectHead(m: AttentionMatrix, head: HeadChoice = 'mean'): Float32Array {
  checkAttentionMatrix(m, 'selectHead');
  const size = m.queries * m.keys;
  if (head !== 'mean') {
    if (!Number.isInteger(head) || head < 0 || head >= m.heads) throw new Error(`selectHead: head ${head} is outside [0, ${m.heads})`);
    return m.weights.slice(head * size, (head + 1) * size);
  }
  const out = new Float32Array(size);
  for (let h = 0; h < m.heads; h++) for (let i = 0; i < size; i++) out[i] += m.weights[h * size + i]!;
  for (let i = 0; i < size; i++) out[i] /= m.heads;
  return out;
}

/** The mean over layers (and heads per `head`) of maps with equal shapes; `what` names them in errors. */
export function averageMaps<T extends AttentionMatrix>(maps: readonly T[], layer: LayerChoice, head: HeadChoice, what: string, layerOf: (m: T, i: number) => number = (_, i) => i): Float32Array {
  if (maps.length === 0) throw new Error(`${what}: nothing was recorded`);
  const chosen = layer === 'mean' ? maps : maps.filter((m, i) => layerOf(m, i) === layer);
  if (chosen.length === 0) throw new Error(`${what}: no layer ${layer} (recorded: ${maps.map(layerOf).join(', ')})`);
  const first = chosen[0]!;
  const out = new Float32Array(first.queries * first.keys);
  for (const m of chosen) {
    if (m.queries !== first.queries || m.keys !== first.keys) throw new Error(`${what}: layers disagree on shape (${m.queries}×${m.keys} vs ${first.queries}×${first.keys})`);
    const one = selectHead(m, head);
    for (let i = 0; i < out.length; i++) out[i] += one[i]! / chosen.length;
  }
  return out;
}

export interface RolloutOptions {
  /** Weight of the residual (identity) path mixed into every layer, Abnar & Zuidema's 0.5. */
  residual?: number;
  head?: HeadChoice;
}

/**
 * Attention rollout (Abnar & Zuidema 2020) over square self-attention maps in layer order:
 * `Â_l = normalise(residual · I + (1 − residual) · A_l)`, `R = Â_L · … · Â_1`. Row i of R says how
 * much output token i draws from each input token; rows sum to 1. Returns [n × n] row-major.
 */
export function attentionRollout(layers: readonly AttentionMatrix[], options: RolloutOptions = {}): Float32Array {
  const residual = options.residual ?? 0.5;
  if (!(residual >= 0 && residual <= 1)) throw new Error(`attentionRollout: residual must be in [0, 1], got ${residual}`);
  if (layers.length === 0) throw new Error('attentionRollout: no layers');
  const n = layers[0]!.queries;
  let rollout: Float64Array | null = null;
  layers.forEach((m, l) => {
    if (m.queries !== n || m.keys !== n) throw new Error(`attentionRollout: layer ${l} is ${m.queries}×${m.keys}, expected ${n}×${n}`);
    const a = selectHead(m, options.head ?? 'mean');
    const hat = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const v = (1 - residual) * a[i * n + j]! + (i === j ? residual : 0);
        hat[i * n + j] = v;
        sum += v;
      }
      for (let j = 0; j < n; j++) hat[i * n + j] /= sum;
    }
    rollout = rollout === null ? hat : matMul(hat, rollout, n);
  });
  return Float32Array.from(rollout!);
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const v = a[i * n + k]!;
      if (v === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += v * b[k * n + j]!;
    }
  }
  return out;
}

/** The rgb part of a distribution over encoder tokens, as the patch grid (row-major rows × cols). */
export function rgbPatchValues(layout: EncoderTokenLayout, row: ArrayLike<number>): Float32Array {
  const { rows, cols } = layout.grid;
  if (rows * cols !== layout.rgbTokens) throw new Error(`rgbPatchValues: grid ${rows}×${cols} does not match ${layout.rgbTokens} rgb tokens`);
  if (row.length < layout.rgbTokens) throw new Error(`rgbPatchValues: row has ${row.length} values, fewer than ${layout.rgbTokens} rgb tokens`);
  return Float32Array.from({ length: layout.rgbTokens }, (_, i) => row[i]!);
}

/** Byte-level BPE pieces as text: 'Ġ' is a leading space, 'Ċ' a newline. */
export function displayToken(token: string): string {
  return token.replace(/Ġ/g, ' ').replace(/Ċ/g, '\n').trim() || token;
}

export interface WordAttentionOptions {
  layer?: LayerChoice;
  head?: HeadChoice;
  /**
   * Follow the cross-attention back through the ViT with attention rollout, so the map shows input
   * patches rather than encoder output tokens (which have mixed with each other in the ViT).
   */
  throughRollout?: boolean;
  /** Residual weight of that rollout (default 0.5). */
  residual?: number;
}

/** Where the decoder looked when it produced one token. */
export interface WordAttention {
  /** Token as the tokenizer prints it, and as text. */
  token: string;
  word: string;
  /** Position of the token in the decoder input; its attention is that of query `position − 1`. */
  position: number;
  /** Cross-attention over encoder tokens [rgb ; latents] (sums to 1). */
  weights: Float32Array;
  /** The rgb part as the patch grid (row-major). */
  grid: Float32Array;
  /** Share of the attention on rgb patch tokens and on expert latents (sum to 1). */
  rgbShare: number;
  expertShare: number;
}

/**
 * Per generated token (every token after the prompt), the decoder cross-attention of the step that
 * produced it: query `position − 1` of a teacher-forced pass, which equals the last query of that
 * generation step.
 */
export function wordAttention(capture: AttentionCaptureResult, options: WordAttentionOptions = {}): WordAttention[] {
  const { layout } = capture;
  const cross = averageMaps(capture.decoderCross, options.layer ?? 'mean', options.head ?? 'mean', 'wordAttention: decoder cross-attention', (m) => m.layer);
  const keys = capture.decoderCross[0]!.keys;
  const queries = capture.decoderCross[0]!.queries;
  if (keys !== layout.rgbTokens + layout.latents) throw new Error(`wordAttention: cross-attention has ${keys} keys, the layout ${layout.rgbTokens} rgb + ${layout.latents} latents`);
  const rollout = options.throughRollout ? attentionRollout(capture.vit, { residual: options.residual }) : null;
  const out: WordAttention[] = [];
  for (let position = Math.max(1, capture.promptLength); position < capture.tokens.length && position <= queries; position++) {
    let weights: Float32Array = cross.slice((position - 1) * keys, position * keys);
    if (rollout) weights = vectorTimesMatrix(weights, rollout, keys);
    let rgb = 0;
    for (let k = 0; k < layout.rgbTokens; k++) rgb += weights[k]!;
    const total = weights.reduce((s, v) => s + v, 0);
    const token = capture.tokens[position]!;
    out.push({ token, word: displayToken(token), position, weights, grid: rgbPatchValues(layout, weights), rgbShare: rgb / total, expertShare: 1 - rgb / total });
  }
  return out;
}

function vectorTimesMatrix(v: Float32Array, m: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = v[i]!;
    if (w === 0) continue;
    for (let j = 0; j < n; j++) out[j] += w * m[i * n + j]!;
  }
  return out;
}

/** One bar of the rgb-vs-experts view. */
export interface ModalityShare {
  word: string;
  position: number;
  /** 'mean' or the decoder layer. */
  layer: string;
  rgb: number;
  experts: number;
}

/** Per generated token and decoder layer (plus their mean), the share of cross-attention on rgb patches vs expert latents. */
export function modalityShares(capture: AttentionCaptureResult, head: HeadChoice = 'mean'): ModalityShare[] {
  const layers: LayerChoice[] = [...capture.decoderCross.map((m) => m.layer), 'mean'];
  return layers.flatMap((layer) => wordAttention(capture, { layer, head }).map((w) => ({
    word: w.word, position: w.position, layer: String(layer), rgb: w.rgbShare, experts: w.expertShare,
  })));
}

/** Which inputs each resampler latent reads: `shares[latent × columns]`, columns = the latents themselves, then each expert. */
export interface LatentReads {
  columns: string[];
  latents: number;
  shares: Float32Array;
}

/** Sums each latent's resampler attention over the key segments [latents ; expert 1 ; expert 2 ; …]. */
export function latentExpertReads(capture: AttentionCaptureResult, options: { block?: LayerChoice; head?: HeadChoice } = {}): LatentReads {
  const { layout } = capture;
  if (capture.resampler.length === 0 || layout.experts.length === 0) throw new Error('latentExpertReads: no resampler attention (rgb-only model or inputs)');
  const map = averageMaps(capture.resampler, options.block ?? 'mean', options.head ?? 'mean', 'latentExpertReads: resampler attention', (m) => m.block);
  const { queries: latents, keys } = capture.resampler[0]!;
  const expertTokens = layout.experts.reduce((s, e) => s + e.tokens, 0);
  if (keys !== latents + expertTokens) throw new Error(`latentExpertReads: resampler keys ${keys} != ${latents} latents + ${expertTokens} expert tokens`);
  const segments = [{ name: 'latents', start: 0, length: latents }, ...layout.experts.map((e) => ({ name: e.expert, start: latents + e.offset, length: e.tokens }))];
  const shares = new Float32Array(latents * segments.length);
  for (let q = 0; q < latents; q++) {
    segments.forEach((s, c) => {
      let sum = 0;
      for (let k = s.start; k < s.start + s.length; k++) sum += map[q * keys + k]!;
      shares[q * segments.length + c] = sum;
    });
  }
  return { columns: segments.map((s) => s.name), latents, shares };
}

/** Mean over latents of `latentExpertReads`: the share of resampler attention each input segment gets. */
export function expertReadTotals(reads: LatentReads): { segment: string; share: number }[] {
  return reads.columns.map((segment, c) => {
    let sum = 0;
    for (let q = 0; q < reads.latents; q++) sum += reads.shares[q * reads.columns.length + c]!;
    return { segment, share: sum / reads.latents };
  });
}

/** Largest deviation from 1 of any row sum of `m` (every head and query). */
export function maxRowSumError(m: AttentionMatrix): number {
  let worst = 0;
  for (let h = 0; h < m.heads; h++) {
    for (let q = 0; q < m.queries; q++) {
      const o = attentionRowOffset(m, h, q);
      let sum = 0;
      for (let k = 0; k < m.keys; k++) sum += m.weights[o + k]!;
      worst = Math.max(worst, Math.abs(sum - 1));
    }
  }
  return worst;
}
