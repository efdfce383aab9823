/**
 * Attention pictures as vega-lite specs (show them, or export with savePlot / vegaLiteToPng):
 * word-by-word heatmaps over the image, ViT rollout maps, rgb-vs-expert shares per word, which experts
 * the resampler latents read, and decoder self-attention. Overlays are blended into PNG cells here
 * (bilinear upsampling of the patch grid, colour map, per-pixel opacity) and laid out with imageGrid.
 */
import type { VegaLiteSpec } from './render.js';
import { imageGrid, type GridImage } from './specs/image-grid.js';
import { heatmap } from './specs/heatmap.js';
import { blendRasters, colorizeMap, decodeToRgb, rasterToPng, upsampleGrid, type ColormapName, type RgbRaster } from './colormap.js';
import type { AttentionCaptureResult } from './attention-types.js';
import {
  attentionRollout, averageMaps, displayToken, expertReadTotals, rgbPatchValues, wordAttention,
  type HeadChoice, type LatentReads, type LayerChoice, type ModalityShare, type WordAttentionOptions,
} from './attention-views.js';

export interface OverlayOptions {
  /** Side of each picture in pixels (the image is stretched to a square, as the model saw it). Default 160. */
  size?: number;
  colormap?: ColormapName;
  /** Largest overlay opacity (at the hottest pixel). Default 0.75. */
  opacity?: number;
  /** Colour range: each map's own [min, max] (default) or a fixed one shared by all maps. */
  range?: readonly [number, number];
}

/** An image as the model saw it (square `size`), decoded once and reused for many overlays. */
export async function overlayBase(image: Uint8Array | string | RgbRaster, size = 160): Promise<RgbRaster> {
  if (typeof image === 'object' && 'channels' in image) {
    if (image.width === size && image.height === size) return image;
    throw new Error(`overlayBase: a raster base must already be ${size}×${size}, got ${image.width}×${image.height}`);
  }
  return decodeToRgb(image, { width: size, height: size });
}

/**
 * PNG of `values` on a `rows × cols` patch grid upsampled over the image: colour by value, opacity
 * growing with the value so that cold patches leave the image visible.
 */
export async function attentionOverlayPng(image: Uint8Array | string | RgbRaster, values: ArrayLike<number>, rows: number, cols: number, options: OverlayOptions = {}): Promise<Uint8Array> {
  const size = options.size ?? 160;
  const base = await overlayBase(image, size);
  const up = upsampleGrid(values, rows, cols, size, size);
  let [lo, hi] = options.range ?? [Infinity, -Infinity];
  if (!options.range) for (const v of up) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi > lo)) [lo, hi] = [lo, lo + 1];
  const color = colorizeMap(up, size, size, options.colormap ?? 'viridis', [lo, hi]);
  const opacity = options.opacity ?? 0.75;
  const alpha = Float32Array.from(up, (v) => opacity * (0.35 + 0.65 * Math.min(1, Math.max(0, (v - lo) / (hi - lo)))));
  return rasterToPng(blendRasters(base, color, alpha));
}

export interface WordOverlayOptions extends OverlayOptions, WordAttentionOptions {
  /** Pictures per row. Default 6. */
  columns?: number;
  /** Displayed cell size in the grid. Default 120. */
  cellSize?: number;
  /** Put the plain image first. Default true. */
  includeImage?: boolean;
  title?: string;
}

/** Word by word, where the decoder looked in the image (cross-attention to rgb patches) while generating. */
export async function wordAttentionSpec(image: Uint8Array | string, capture: AttentionCaptureResult, options: WordOverlayOptions = {}): Promise<VegaLiteSpec> {
  const words = wordAttention(capture, options);
  if (words.length === 0) throw new Error('wordAttentionSpec: the capture has no generated tokens after the prompt');
  const base = await overlayBase(image, options.size ?? 160);
  const { rows, cols } = capture.layout.grid;
  const items: GridImage[] = [];
  if (options.includeImage ?? true) items.push({ image: await rasterToPng(base), title: 'image' });
  for (const w of words) {
    items.push({ image: await attentionOverlayPng(base, w.grid, rows, cols, options), title: `${w.word} · rgb ${(100 * w.rgbShare).toFixed(0)}%` });
  }
  const caption = words.map((w) => w.word).filter((w) => !/^<\/?s>$|^<pad>$/.test(w)).join(' ');
  return imageGrid(items, { columns: options.columns ?? 6, cellSize: options.cellSize ?? 120, title: options.title ?? caption });
}

export interface RolloutSpecOptions extends OverlayOptions {
  residual?: number;
  head?: HeadChoice;
  cellSize?: number;
  title?: string;
}

/** Mean over the output rows of a [n × n] map, restricted to the rgb columns: the attention each patch receives. */
function receivedByPatches(capture: AttentionCaptureResult, map: Float32Array, n: number): Float32Array {
  const column = new Float32Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) column[j] += map[i * n + j]! / n;
  return rgbPatchValues(capture.layout, column);
}

/**
 * Attention received by each rgb patch in every ViT layer (mean over queries and heads) and after
 * rollout over all layers, overlaid on the image.
 */
export async function vitRolloutSpec(image: Uint8Array | string, capture: AttentionCaptureResult, options: RolloutSpecOptions = {}): Promise<VegaLiteSpec> {
  if (capture.vit.length === 0) throw new Error('vitRolloutSpec: no ViT attention was captured');
  const n = capture.vit[0]!.queries;
  const base = await overlayBase(image, options.size ?? 160);
  const { rows, cols } = capture.layout.grid;
  const items: GridImage[] = [{ image: await rasterToPng(base), title: 'image' }];
  for (const m of capture.vit) {
    const map = averageMaps([m], 'mean', options.head ?? 'mean', 'vitRolloutSpec');
    items.push({ image: await attentionOverlayPng(base, receivedByPatches(capture, map, n), rows, cols, options), title: `layer ${m.layer}` });
  }
  const rollout = attentionRollout(capture.vit, { residual: options.residual, head: options.head });
  items.push({ image: await attentionOverlayPng(base, receivedByPatches(capture, rollout, n), rows, cols, options), title: 'rollout' });
  return imageGrid(items, { columns: Math.min(6, items.length), cellSize: options.cellSize ?? 120, title: options.title ?? 'ViT attention received per patch' });
}

/** Stacked bars: per generated word, the share of cross-attention on rgb patches vs expert latents. */
export function modalitySharesSpec(shares: readonly ModalityShare[], options: { layer?: string; title?: string } = {}): VegaLiteSpec {
  const layer = options.layer ?? 'mean';
  const rows = shares.filter((s) => s.layer === layer);
  if (rows.length === 0) throw new Error(`modalitySharesSpec: no shares for layer '${layer}' (have: ${[...new Set(shares.map((s) => s.layer))].join(', ')})`);
  const values = rows.flatMap((s) => [
    { position: s.position, word: s.word, source: 'rgb patches', share: s.rgb },
    { position: s.position, word: s.word, source: 'expert latents', share: s.experts },
  ]);
  const labels = Object.fromEntries(rows.map((s) => [s.position, s.word]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? `Cross-attention on rgb vs experts per word (decoder layer: ${layer})`,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    width: Math.max(160, rows.length * 28),
    height: 180,
    encoding: {
      x: { field: 'position', type: 'ordinal', title: null, axis: { labelExpr: `${JSON.stringify(labels)}[datum.value]`, labelAngle: -45 } },
      y: { field: 'share', type: 'quantitative', stack: 'zero', scale: { domain: [0, 1] }, title: 'share of attention' },
      color: { field: 'source', type: 'nominal', scale: { domain: ['rgb patches', 'expert latents'], range: ['#4c78a8', '#f58518'] }, title: null },
      order: { field: 'source', sort: 'descending' },
    },
  } as VegaLiteSpec;
}

/** Heatmap: which input segment (the latents themselves, then each expert) every resampler latent reads. */
export function latentReadsSpec(reads: LatentReads, options: { title?: string } = {}): VegaLiteSpec {
  const { columns, latents, shares } = reads;
  // Experts as rows, latents as columns: a wide picture fits notebooks better than 64 rows.
  const transposed = new Float32Array(columns.length * latents);
  for (let q = 0; q < latents; q++) for (let c = 0; c < columns.length; c++) transposed[c * latents + q] = shares[q * columns.length + c]!;
  return heatmap({ values: transposed, shape: [columns.length, latents] }, {
    yLabels: columns, xLabels: Array.from({ length: latents }, (_, i) => String(i)), xTitle: 'latent', valueTitle: 'share',
    showValues: false, cellSize: latents > 32 ? 9 : 16, title: options.title ?? 'What each resampler latent reads',
  });
}

/** Bars: the mean share of resampler attention each segment receives. */
export function expertReadsSpec(reads: LatentReads, options: { title?: string } = {}): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? 'Resampler attention per input (mean over latents)',
    data: { values: expertReadTotals(reads) },
    mark: { type: 'bar', tooltip: true },
    width: 240,
    height: { step: 18 },
    encoding: {
      y: { field: 'segment', type: 'nominal', sort: null, title: null },
      x: { field: 'share', type: 'quantitative', title: 'share of attention' },
    },
  } as VegaLiteSpec;
}

/** Decoder self-attention of one layer (token × token) with the token strings on both axes. */
export function decoderSelfSpec(capture: AttentionCaptureResult, options: { layer?: LayerChoice; head?: HeadChoice; title?: string } = {}): VegaLiteSpec {
  const layer = options.layer ?? 'mean';
  const map = averageMaps(capture.decoderSelf, layer, options.head ?? 'mean', 'decoderSelfSpec', (m) => m.layer);
  const n = capture.decoderSelf[0]!.queries;
  const labels = capture.tokens.slice(0, n).map(displayToken);
  return heatmap({ values: map, shape: [n, n] }, {
    xLabels: labels, yLabels: labels, xTitle: 'key token', yTitle: 'query token', valueTitle: 'attention', domain: [0, 1],
    showValues: false, title: options.title ?? `Decoder self-attention (layer ${layer})`,
  });
}

/** Cross-attention of the decoder over the encoder tokens, token × [rgb patches ; latents], for one layer. */
export function decoderCrossSpec(capture: AttentionCaptureResult, options: { layer?: LayerChoice; head?: HeadChoice; title?: string } = {}): VegaLiteSpec {
  const layer = options.layer ?? 'mean';
  const map = averageMaps(capture.decoderCross, layer, options.head ?? 'mean', 'decoderCrossSpec', (m) => m.layer);
  const { queries, keys } = capture.decoderCross[0]!;
  const { rgbTokens, grid } = capture.layout;
  const keyLabels = Array.from({ length: keys }, (_, k) => (k < rgbTokens ? `p${Math.floor(k / grid.cols)},${k % grid.cols}` : `lat${k - rgbTokens}`));
  return heatmap({ values: map, shape: [queries, keys] }, {
    xLabels: keyLabels, yLabels: capture.tokens.slice(0, queries).map(displayToken), xTitle: 'encoder token', yTitle: 'query token',
    valueTitle: 'attention', showValues: false, cellSize: keys > 120 ? 4 : keys > 40 ? 8 : 16, title: options.title ?? `Decoder cross-attention (layer ${layer})`,
  });
}

