import * as tf from '@tensorflow/tfjs';

/**
 * Opt-in recording of attention probabilities. Pass an `AttentionRecorder` to the encoder / decoder /
 * Prismer forward (option `attention`); without one nothing is computed or copied. Weights are copied
 * to host memory as they are produced (the model's own tensors are untouched, so outputs stay
 * bit-identical). Each record keeps the whole batch: [B, H, Q, K] (H = 1 with `meanOverHeads`).
 */

/** Where a map comes from: ViT layer, resampler block, decoder layer (the output layer is `numHiddenLayers`). */
export type AttentionSite =
  | { kind: 'vit'; layer: number }
  | { kind: 'resampler'; block: number }
  | { kind: 'decoder-cross'; layer: number }
  | { kind: 'decoder-self'; layer: number };

export type AttentionKind = AttentionSite['kind'];
export const ATTENTION_KINDS: readonly AttentionKind[] = ['vit', 'resampler', 'decoder-cross', 'decoder-self'];

export interface AttentionRecord {
  site: AttentionSite;
  /** [batch, heads, queries, keys] of `weights` (row-major). */
  shape: [number, number, number, number];
  weights: Float32Array;
}

/** Geometry of the encoder tokens, reported by the expert encoder while it runs. */
export interface RecordedEncoderLayout {
  /** rgb patch grid [rows, cols] and patch size; the model input side is rows × patch. */
  rgbGrid: [number, number];
  patchSize: number;
  /** Expert inputs in resampler-input order with their token grids. */
  experts: { expert: string; rows: number; cols: number }[];
  /** Resampled latents appended after the rgb tokens (0 without experts). */
  latents: number;
}

export interface AttentionRecorderOptions {
  /** Which maps to keep (default all four kinds). */
  kinds?: readonly AttentionKind[];
  /** Average over heads before copying (ViT-L/H maps are large: layers × heads × L²). Default false. */
  meanOverHeads?: boolean;
}

export class AttentionRecorder {
  readonly records: AttentionRecord[] = [];
  layout: RecordedEncoderLayout | null = null;
  private readonly kinds: ReadonlySet<AttentionKind>;
  readonly meanOverHeads: boolean;

  constructor(options: AttentionRecorderOptions = {}) {
    const kinds = options.kinds ?? ATTENTION_KINDS;
    const bad = kinds.filter((k) => !ATTENTION_KINDS.includes(k));
    if (bad.length > 0) throw new Error(`AttentionRecorder: kinds: unknown ${bad.join(', ')}; expected ${ATTENTION_KINDS.join(', ')}`);
    this.kinds = new Set(kinds);
    this.meanOverHeads = options.meanOverHeads ?? false;
  }

  /** True when maps of `kind` are kept (models ask before producing weights they would not need otherwise). */
  wants(kind: AttentionKind): boolean {
    return this.kinds.has(kind);
  }

  /** Copies attention probabilities [B, H, Q, K] to host memory. The tensor is not disposed. */
  record(site: AttentionSite, weights: tf.Tensor4D): void {
    if (!this.wants(site.kind)) return;
    if (weights.rank !== 4) throw new Error(`AttentionRecorder.record(${attentionSiteName(site)}): expected [B, H, Q, K] weights, got [${weights.shape.join(', ')}]`);
    const reduced = this.meanOverHeads ? tf.tidy(() => tf.mean(weights, 1, true) as tf.Tensor4D) : weights;
    try {
      const [b, h, q, k] = reduced.shape;
      this.records.push({ site: { ...site }, shape: [b, h, q, k], weights: Float32Array.from(reduced.dataSync() as Float32Array) });
    } finally {
      if (reduced !== weights) reduced.dispose();
    }
  }

  /** Called by the expert encoder with its token geometry. */
  setLayout(layout: RecordedEncoderLayout): void {
    this.layout = { ...layout, rgbGrid: [...layout.rgbGrid], experts: layout.experts.map((e) => ({ ...e })) };
  }

  /** Records of one kind in the order they were made. */
  of(kind: AttentionKind): AttentionRecord[] {
    return this.records.filter((r) => r.site.kind === kind);
  }

  clear(): void {
    this.records.length = 0;
    this.layout = null;
  }
}

export function attentionSiteName(site: AttentionSite): string {
  return site.kind === 'resampler' ? `resampler block ${site.block}` : `${site.kind} layer ${site.layer}`;
}

/** A callback that records `site` into `recorder`, or undefined when the recorder is absent or does not want it. */
export function attentionHook(recorder: AttentionRecorder | undefined, site: AttentionSite): ((weights: tf.Tensor4D) => void) | undefined {
  if (!recorder || !recorder.wants(site.kind)) return undefined;
  return (weights) => recorder.record(site, weights);
}
