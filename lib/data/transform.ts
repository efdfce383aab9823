/**
 * The official `Transform` (dataset/utils.py): train = random resized crop (image and labels with
 * the same box), bicubic resize of the image, nearest resize of the labels to 224 (configurable),
 * horizontal flip, RandAugment(2, 5); test = resize only. Then `to_tensor` + CLIP normalisation.
 * Resizing uses our bit-exact port of PIL (`resizePil`) unless the sharp resampler is asked for.
 */
import { randAugment, type LabelRasters, type RandAugmentOptions } from './augment.js';
import { resizeSharpCubic } from './decode.js';
import { resizePil, type RasterU8 } from './pil-resize.js';
import type { SeededRng } from './rng.js';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface PrismerTransformOptions {
  /** Image side (official `image_resolution`: 480 fine-tuning, 224 pre-training). */
  resolution: number;
  /** Label side (official: 224 always). */
  labelResolution?: number;
  train?: boolean;
  /** Random resized crop area range (official [0.5, 1.0]; pre-training [0.5, 1.5]). */
  scale?: readonly [number, number];
  /** 'pil' (default): bit-exact PIL bicubic; 'sharp': libvips cubic (faster on big images, not bit-exact). */
  resampler?: 'pil' | 'sharp';
  randAugmentN?: number;
  randAugmentM?: number;
  randAugment?: RandAugmentOptions;
}

export interface TransformedSample {
  /** Normalised image, CHW float32 [3, R, R]. */
  rgb: Float32Array;
  resolution: number;
  /** Label rasters after the geometric pipeline, each labelResolution² (before `post_label_process`). */
  labels: LabelRasters;
  labelResolution: number;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision `RandomResizedCrop.get_params` (10 tries, then the centre crop), drawing from `rng`. */
export function randomResizedCropBox(width: number, height: number, scale: readonly [number, number], ratio: readonly [number, number], rng: SeededRng): { top: number; left: number; height: number; width: number } {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return { top: Math.trunc((height - h) / 2), left: Math.trunc((width - w) / 2), height: h, width: w };
}

/** PIL `crop((left, top, left+w, top+h))`: pixels outside the source are 0. */
export function cropRaster(src: RasterU8, left: number, top: number, width: number, height: number): RasterU8 {
  const { channels } = src;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= src.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= src.width) continue;
      const s = (sy * src.width + sx) * channels;
      const d = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src.data[s + c];
    }
  }
  return { width, height, channels, data: out };
}

export function hflipRaster(src: RasterU8): RasterU8 {
  const { width, height, channels } = src;
  const out = new Uint8Array(src.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      const d = (y * width + (width - 1 - x)) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src.data[s + c];
    }
  }
  return { width, height, channels, data: out };
}

/** `to_tensor` + `normalize` with CLIP mean/std: HWC u8 -> CHW float32 ((x/255 − mean)/std in float32). */
export function normalizeClip(src: RasterU8): Float32Array {
  if (src.channels !== 3) throw new Error(`normalizeClip: expected an RGB raster, got ${src.channels} channels`);
  const plane = src.width * src.height;
  const out = new Float32Array(3 * plane);
  const mean = CLIP_MEAN.map(Math.fround);
  const std = CLIP_STD.map(Math.fround);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const x = Math.fround(src.data[i * 3 + c] / 255);
      out[c * plane + i] = Math.fround(Math.fround(x - mean[c]) / std[c]);
    }
  }
  return out;
}

async function resizeImage(src: RasterU8, side: number, resampler: 'pil' | 'sharp'): Promise<RasterU8> {
  return resampler === 'sharp' ? resizeSharpCubic(src, side, side) : resizePil(src, side, side, 'bicubic');
}

/** Runs the official Transform on a decoded RGB image and its label rasters. `rng` is required for training. */
export async function applyPrismerTransform(image: RasterU8, labels: LabelRasters, options: PrismerTransformOptions, rng?: SeededRng): Promise<TransformedSample> {
  const resolution = options.resolution;
  const labelResolution = options.labelResolution ?? 224;
  const train = options.train ?? false;
  if (train && !rng) throw new Error('applyPrismerTransform: a seeded rng is required when train is true (dataset.load(index, seed); loader option augment: true)');
  let img = image;
  let labs: LabelRasters = { ...labels };
  if (train && rng) {
    const box = randomResizedCropBox(img.width, img.height, options.scale ?? [0.5, 1.0], [3 / 4, 4 / 3], rng);
    img = cropRaster(img, box.left, box.top, box.width, box.height);
    for (const key of Object.keys(labs)) labs[key] = cropRaster(labs[key], box.left, box.top, box.width, box.height);
  }
  img = await resizeImage(img, resolution, options.resampler ?? 'pil');
  for (const key of Object.keys(labs)) labs[key] = resizePil(labs[key], labelResolution, labelResolution, 'nearest');
  if (train && rng) {
    if (rng.next() > 0.5) {
      img = hflipRaster(img);
      for (const key of Object.keys(labs)) labs[key] = hflipRaster(labs[key]);
    }
    const [augImage, augLabels] = randAugment(img, labs, rng, options.randAugmentN ?? 2, options.randAugmentM ?? 5, options.randAugment);
    img = augImage;
    labs = augLabels ?? labs;
  }
  return { rgb: normalizeClip(img), resolution, labels: labs, labelResolution };
}
