import * as tf from '@tensorflow/tfjs';
import { PatchEmbedding } from '../../nn/conv2d.js';
import { interpolatePosEmbed, nearestIndices } from '../../nn/interpolate.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Module } from '../../nn/module.js';
import type { ParameterStore } from '../../nn/parameters.js';
import type { EncoderCapture } from './capture.js';
import type { AttentionRecorder } from '../attention.js';
import { STEM_INPUT_CHANNELS, expertDomain, type ExpertDomain } from './experts.js';
import { ExpertStem } from './expert-stem.js';
import { pythonRandomInstanceRows, type InstanceRowMapper } from './instance-rows.js';
import { PerceiverResampler } from './perceiver-resampler.js';
import { VisionTransformerTrunk } from './vision-transformer.js';

export interface ExpertEncoderConfig {
  /** ViT width D, layers, heads (official: width // 64 heads, so ViT-H/14 has 20), patch size. */
  width: number;
  layers: number;
  heads: number;
  patchSize: number;
  /** rgb input resolution; the positional embedding has (resolution / patch)^2 rows (no class token). */
  imageResolution: number;
  /** Stems in the order of the official experts dict (parameter order); must include 'rgb'. */
  experts: readonly ExpertDomain[];
  /** Perceiver resampler shape, used when there is any non-rgb expert. Official: 4 blocks, 8 heads, 64 latents. */
  resampler?: { layers: number; heads: number; latents: number };
  /** Instance-embedding row choice; default `pythonRandomInstanceRows(2023)` (one persistent stream). */
  instanceRows?: InstanceRowMapper;
}

/** obj_detection input: the dense 64-channel label map and the raw instance-id map (255 = background). */
export interface ObjDetectionInput {
  label: tf.Tensor4D;
  /** [B, 1, H, W] (or [B, H, W]) integer instance ids at the label resolution. */
  instance: tf.Tensor4D | tf.Tensor3D;
}

/**
 * Encoder inputs keyed like the official experts dict, NCHW float32: `rgb` [B, 3, R, R] (normalised),
 * `depth`/`edge` [B, 1, H, W], `normal` [B, 3, H, W] (in [-1, 1]), `seg_coco` (or any `seg*` key),
 * `ocr_detection` [B, 64, H, W], `obj_detection` `{ label, instance }`. Iteration order of the keys is
 * the order of the expert tokens in the resampler input, as in the official forward.
 */
export type EncoderInputs = Record<string, tf.Tensor4D | ObjDetectionInput>;

/** The same type under the name lib/model's wrappers import from this file (lib/data has its own `ExpertInputs`). */
export type ExpertInputs = EncoderInputs;

export interface ExpertEncoderApplyOptions {
  /** Records `enc.stem.<domain>` (NCHW), `enc.resampler_input`, `enc.resampler_block{i}_out`, `enc.ln_pre_input`, `enc.vit_layer{i}_after_adaptor`, `enc.transformer_output`. */
  capture?: EncoderCapture;
  /** Records attention probabilities (ViT, resampler) and the token layout; off (and free) when absent. */
  attention?: AttentionRecorder;
  /** Overrides the encoder's instance-row mapper for this call. */
  instanceRows?: InstanceRowMapper;
  /** BatchNorm in training mode (batch statistics, running-stat update); default eval. */
  training?: boolean;
  /** The stems' BatchNorm running-average momentum in training mode (lib/nn BatchNorm2d); default 0.1. */
  batchNormMomentum?: number;
}

/** Where one expert's tokens sit in the resampler input: its stem's token grid. */
export interface ExpertTokenGrid {
  expert: string;
  rows: number;
  cols: number;
}

export const DEFAULT_RESAMPLER = { layers: 4, heads: 8, latents: 64 } as const;
export const DEFAULT_INSTANCE_SEED = 2023;
const INSTANCE_ROWS = 128;

/**
 * Prismer's expert encoder (`VisionTransformer` of model/modules/vit.py) under `prefix`
 * (default `expert_encoder`), parameters created in state_dict order. `apply` returns the
 * sequence-first encoding [L, B, D] with L = rgb tokens (+ resampler latents when experts are given).
 */
export class ExpertEncoder extends Module {
  readonly config: Readonly<ExpertEncoderConfig>;
  readonly rgbStem: PatchEmbedding;
  readonly stems = new Map<ExpertDomain, ExpertStem>();
  readonly trunk: VisionTransformerTrunk;
  readonly resampler?: PerceiverResampler;
  readonly lnPre: LayerNorm;
  readonly lnPost: LayerNorm;
  private readonly instanceRows: InstanceRowMapper;

  constructor(store: ParameterStore, prefix = 'expert_encoder', config: ExpertEncoderConfig) {
    super(store, prefix);
    validateConfig(config);
    this.config = { ...config, experts: [...config.experts] };
    const { width, patchSize } = config;
    const grid = Math.floor(config.imageResolution / patchSize);
    this.createParameter('positional_embedding', [grid * grid, width], { normal: width ** -0.5 });
    if (config.experts.includes('obj_detection')) this.createParameter('instance_embedding', [INSTANCE_ROWS, width], { normal: width ** -0.5 });
    let rgbStem: PatchEmbedding | undefined;
    for (const domain of config.experts) {
      const prefixOf = this.child(`conv1.${domain}`);
      if (domain === 'rgb') rgbStem = new PatchEmbedding(store, prefixOf, STEM_INPUT_CHANNELS.rgb, width, patchSize);
      else {
        const kind = STEM_INPUT_CHANNELS[domain] === 64 ? 'categorical' : 'dense';
        this.stems.set(domain, new ExpertStem(store, prefixOf, kind, STEM_INPUT_CHANNELS[domain], width, patchSize));
      }
    }
    this.rgbStem = rgbStem!;
    this.trunk = new VisionTransformerTrunk(store, this.child('transformer'), width, config.layers, config.heads);
    if (config.experts.length > 1) {
      const r = config.resampler ?? DEFAULT_RESAMPLER;
      this.resampler = new PerceiverResampler(store, this.child('resampler'), width, r.layers, r.heads, r.latents);
    }
    this.lnPre = new LayerNorm(store, this.child('ln_pre'), width);
    this.lnPost = new LayerNorm(store, this.child('ln_post'), width);
    this.instanceRows = config.instanceRows ?? pythonRandomInstanceRows(DEFAULT_INSTANCE_SEED, INSTANCE_ROWS);
  }

  /**
   * A stand-in for a pre-trained backbone where there is none (a model trained from scratch with its ViT frozen):
   * a 2-D sine-cosine positional embedding (`sinCosPositions`) and a trunk that starts as the identity
   * (`VisionTransformerTrunk.zeroResidualBranches`). Frozen at the official random initialisation instead, the
   * positional embedding has no notion of left or right and the trunk's residual branches add random functions of
   * every token to every other: on Prism Shapes a ridge probe read the sign's word from all 16 resampler latents
   * for 29 of 29 held-out signs before two random layers and 20 of 29 after them (23 of 29 after an identity
   * trunk, whose only change is the layer norms). Through `npm start` it did not lift VQA beyond the run-to-run
   * spread (README, "where VQA stalls").
   */
  initStructured(): void {
    const grid = Math.floor(this.config.imageResolution / this.config.patchSize);
    const positional = this.parameter('positional_embedding');
    tf.tidy(() => positional.assign(tf.tensor2d(sinCosPositions(grid, this.config.width), [grid * grid, this.config.width])));
    this.trunk.zeroResidualBranches();
  }

  /** Number of output tokens for an rgb side length: rgb patches (+ latents when the model has experts and they are given). */
  outputLength(rgbSide: number, withExperts = this.resampler !== undefined): number {
    const grid = Math.floor(rgbSide / this.config.patchSize);
    return grid * grid + (withExperts && this.resampler ? this.resampler.numLatents : 0);
  }

  apply(inputs: EncoderInputs, options: ExpertEncoderApplyOptions = {}): tf.Tensor3D {
    const { capture } = options;
    const where = this.where();
    if (!('rgb' in inputs)) throw new Error(`${where}: inputs have no 'rgb' entry (got ${Object.keys(inputs).join(', ') || 'nothing'})`);
    return tf.tidy(() => {
      const positional = this.parameter('positional_embedding') as tf.Tensor2D;
      const { tokens, gridH, gridW } = this.rgbStem.apply(asImage(inputs.rgb!, 'rgb', where));
      capture?.record('enc.stem.rgb', () => tf.transpose(tf.reshape(tokens, [tokens.shape[0], gridH, gridW, this.config.width]), [0, 3, 1, 2]));
      if (tokens.shape[1] !== positional.shape[0]) {
        throw new Error(`${where}: rgb gives ${gridH}x${gridW} patches but the positional embedding has ${positional.shape[0]} rows (image_resolution ${this.config.imageResolution})`);
      }
      let x = tf.transpose(tf.add(tokens, positional), [1, 0, 2]) as tf.Tensor3D;
      const experts = this.resampledExperts(inputs, options);
      if (experts) x = tf.concat([x, experts.latents], 0);
      options.attention?.setLayout({
        rgbGrid: [gridH, gridW], patchSize: this.config.patchSize, experts: experts?.grids ?? [],
        latents: experts ? this.resampler!.numLatents : 0,
      });
      capture?.record('enc.ln_pre_input', x);
      x = this.trunk.apply(this.lnPre.apply(x), capture, options.attention);
      capture?.record('enc.transformer_output', x);
      return this.lnPost.apply(x);
    });
  }

  /**
   * The expert half of the encoder alone: every non-rgb input through its stem (plus the shared positional
   * embedding, interpolated), concatenated and resampled to the latents [latents, B, D] that `apply` appends to
   * the rgb tokens before the ViT; null when `inputs` hold only rgb.
   */
  resampledExperts(inputs: EncoderInputs, options: ExpertEncoderApplyOptions = {}): { latents: tf.Tensor3D; grids: ExpertTokenGrid[] } | null {
    const experts = this.expertTokens(inputs, options);
    if (!experts) return null;
    if (!this.resampler) throw new Error(`${this.where()}: expert inputs given to an rgb-only encoder`);
    options.capture?.record('enc.resampler_input', experts.tokens);
    return { latents: this.resampler.apply(experts.tokens, options.capture, options.attention), grids: experts.grids };
  }

  /**
   * The resampler's input: every non-rgb input through its stem plus the shared positional embedding
   * (interpolated), concatenated sequence-first [tokens, B, D]; null when `inputs` hold only rgb. A stage that
   * trains the resampler alone can compute it once per image (lib/train/latent-warmup.ts).
   */
  expertTokens(inputs: EncoderInputs, options: ExpertEncoderApplyOptions = {}): { tokens: tf.Tensor3D; grids: ExpertTokenGrid[] } | null {
    const { capture } = options;
    const where = this.where();
    const positional = this.parameter('positional_embedding') as tf.Tensor2D;
    const expertTokens: tf.Tensor3D[] = [];
    const grids: ExpertTokenGrid[] = [];
    for (const [key, value] of Object.entries(inputs)) {
      const domain = expertDomain(key);
      if (domain === 'rgb') continue;
      const stem = domain && this.stems.get(domain);
      if (!stem || !domain) throw new Error(`${where}: input '${key}' has no stem; this encoder has experts ${this.config.experts.join(', ')}`);
      const label = domain === 'obj_detection' ? asObjDetection(value, key, where).label : asImage(value, key, where);
      const features = stem.apply(label, { training: options.training, momentum: options.batchNormMomentum });
      const [b, h, w, d] = features.shape;
      capture?.record(`enc.stem.${domain}`, () => tf.transpose(features, [0, 3, 1, 2]));
      if (h !== w) throw new Error(`${where}: expert '${key}' gives a ${h}x${w} token grid; the shared positional embedding needs a square one`);
      let tokens = tf.reshape(features, [b, h * w, d]) as tf.Tensor3D;
      if (domain === 'obj_detection') {
        tokens = this.addInstanceEmbedding(tokens, asObjDetection(value, key, where).instance, h, w, options.instanceRows ?? this.instanceRows);
      }
      expertTokens.push(tf.add(tokens, interpolatePosEmbed(positional, h * w)));
      grids.push({ expert: key, rows: h, cols: w });
    }
    if (expertTokens.length === 0) return null;
    return { tokens: tf.transpose(tf.concat(expertTokens, 1), [1, 0, 2]) as tf.Tensor3D, grids };
  }

  private where(): string {
    return this.prefix || 'expert encoder';
  }

  /**
   * Adds `instance_embedding[row(id)]` to every token whose nearest-downsampled instance id is `id`.
   * Rows are drawn for the sorted unique ids of the full-resolution batch map (so ids that vanish in
   * the downsampling still consume a draw); each token receives exactly one row, as in the official loop.
   */
  private addInstanceEmbedding(tokens: tf.Tensor3D, instance: tf.Tensor4D | tf.Tensor3D, h: number, w: number, mapper: InstanceRowMapper): tf.Tensor3D {
    const [b, , d] = tokens.shape;
    const map = instance.rank === 3 ? instance : tf.squeeze(instance, [1]);
    const [mb, H, W] = map.shape;
    if (mb !== b || (instance.rank === 4 && instance.shape[1] !== 1)) {
      throw new Error(`${this.prefix}: obj_detection.instance has shape [${instance.shape.join(', ')}], expected [${b}, 1, H, W]`);
    }
    const ids = map.dataSync();
    const unique = sortedUniqueIds(ids);
    const rows = mapper(unique);
    if (rows.length !== unique.length || rows.some((r) => !Number.isInteger(r) || r < 0 || r >= INSTANCE_ROWS)) {
      throw new Error(`${this.prefix}: instance-row mapper returned [${rows.join(', ')}] for ids [${unique.join(', ')}], expected one row in 0..${INSTANCE_ROWS - 1} per id`);
    }
    const rowOf = new Map(unique.map((id, i) => [id, rows[i]!]));
    const ys = nearestIndices(H, h);
    const xs = nearestIndices(W, w);
    const perToken = new Int32Array(b * h * w);
    for (let n = 0; n < b; n++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) perToken[(n * h + y) * w + x] = rowOf.get(Number(ids[(n * H + ys[y]!) * W + xs[x]!]))!;
      }
    }
    const embedding = tf.gather(this.parameter('instance_embedding'), tf.tensor1d(perToken, 'int32'));
    return tf.add(tokens, tf.reshape(embedding, [b, h * w, d]));
  }
}

/**
 * A grid × grid 2-D sine-cosine positional table (row-major positions; the first half of the channels encode the
 * row, the second the column, each as sines then cosines of the position at width/4 frequencies 1/10000^(k/(width/4)),
 * as MAE's), scaled to the official random initialisation's spread (std width^-0.5 per channel).
 */
export function sinCosPositions(grid: number, width: number): Float32Array {
  if (width % 4 !== 0) throw new Error(`sinCosPositions: width ${width} is not divisible by 4`);
  const quarter = width / 4;
  const scale = Math.SQRT2 * width ** -0.5;
  const out = new Float32Array(grid * grid * width);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const base = (row * grid + col) * width;
      for (let k = 0; k < quarter; k++) {
        const frequency = 1 / 10000 ** (k / quarter);
        out[base + k] = scale * Math.sin(row * frequency);
        out[base + quarter + k] = scale * Math.cos(row * frequency);
        out[base + 2 * quarter + k] = scale * Math.sin(col * frequency);
        out[base + 3 * quarter + k] = scale * Math.cos(col * frequency);
      }
    }
  }
  return out;
}

function asImage(value: tf.Tensor4D | ObjDetectionInput, key: string, where: string): tf.Tensor4D {
  if (value instanceof tf.Tensor) return value;
  throw new Error(`${where}: input '${key}' must be a [B, C, H, W] tensor`);
}

function asObjDetection(value: tf.Tensor4D | ObjDetectionInput, key: string, where: string): ObjDetectionInput {
  if (!(value instanceof tf.Tensor) && value.label instanceof tf.Tensor && value.instance instanceof tf.Tensor) return value;
  throw new Error(`${where}: input '${key}' must be { label: [B, 64, H, W], instance: [B, 1, H, W] }`);
}

function validateConfig(config: ExpertEncoderConfig): void {
  for (const field of ['width', 'layers', 'heads', 'patchSize', 'imageResolution'] as const) {
    const v = config[field];
    if (!Number.isInteger(v) || v < 1) throw new Error(`ExpertEncoderConfig.${field}: ${v} is not a positive integer`);
  }
  if (config.width % config.heads !== 0) throw new Error(`ExpertEncoderConfig.heads: width ${config.width} is not divisible by ${config.heads} heads`);
  if (!config.experts.includes('rgb')) throw new Error(`ExpertEncoderConfig.experts: [${config.experts.join(', ')}] lacks 'rgb'`);
  if (new Set(config.experts).size !== config.experts.length) throw new Error(`ExpertEncoderConfig.experts: [${config.experts.join(', ')}] repeats a stem`);
  if (Math.floor(config.imageResolution / config.patchSize) < 1) throw new Error(`ExpertEncoderConfig.imageResolution: ${config.imageResolution} is smaller than one patch (${config.patchSize})`);
}

/**
 * The sorted distinct values of an instance-id map. Ids are small non-negative integers (255 = background),
 * so a presence table replaces a Set over every pixel (measured ~100 ms per forward at batch 8, 480 px).
 */
function sortedUniqueIds(ids: ArrayLike<number>): number[] {
  const present = new Uint8Array(65536);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if ((v & 0xffff) !== v) return [...new Set(Array.from(ids, Number))].sort((p, q) => p - q);
    present[v] = 1;
  }
  const out: number[] = [];
  for (let v = 0; v < present.length; v++) if (present[v]) out.push(v);
  return out;
}
