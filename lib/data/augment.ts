/**
 * RandAugment(n, m) exactly as the official `dataset/randaugment.py`, implemented on raw u8 pixels
 * with PIL's semantics: geometric ops move the image (bilinear, or nearest for Rotate as PIL's
 * default) and every expert label (nearest) with the same matrix, filling with black / the
 * expert's fill value (0 for depth/normal/edge, 255 for seg/detection); colour ops touch the image only.
 */
import type { RasterU8 } from './pil-resize.js';
import type { SeededRng } from './rng.js';

export type LabelRasters = Record<string, RasterU8>;

/** Fill value of each expert for pixels moved in from outside (official `fillmask`). */
export const LABEL_FILL: Record<string, number> = {
  depth: 0, normal: 0, edge: 0, seg_coco: 255, seg_ade: 255, obj_detection: 255, ocr_detection: 255,
};

type Affine = readonly [number, number, number, number, number, number];

/** PIL `transform(size, AFFINE, matrix, resample)`: out(x, y) = in(a x' + b y' + c, d x' + e y' + f) at pixel centres. */
export function affinePil(src: RasterU8, m: Affine, resample: 'bilinear' | 'nearest', fill: number): RasterU8 {
  const { width, height, channels, data } = src;
  const out = new Uint8Array(width * height * channels).fill(fill);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const xo = x + 0.5;
      const yo = y + 0.5;
      const xin = m[0] * xo + m[1] * yo + m[2];
      const yin = m[3] * xo + m[4] * yo + m[5];
      const o = (y * width + x) * channels;
      if (resample === 'nearest') {
        const xi = xin < 0 ? -1 : Math.trunc(xin);
        const yi = yin < 0 ? -1 : Math.trunc(yin);
        if (xi < 0 || xi >= width || yi < 0 || yi >= height) continue;
        const s = (yi * width + xi) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = data[s + c];
      } else {
        if (xin < 0 || xin >= width || yin < 0 || yin >= height) continue;
        const xs = xin - 0.5;
        const ys = yin - 0.5;
        const x0 = Math.floor(xs);
        const y0 = Math.floor(ys);
        const dx = xs - x0;
        const dy = ys - y0;
        const xa = Math.min(Math.max(x0, 0), width - 1);
        const xb = Math.min(Math.max(x0 + 1, 0), width - 1);
        const ya = Math.min(Math.max(y0, 0), height - 1);
        const yb = y0 + 1 >= 0 && y0 + 1 < height ? y0 + 1 : -1;
        for (let c = 0; c < channels; c++) {
          const r0a = data[(ya * width + xa) * channels + c];
          const r0b = data[(ya * width + xb) * channels + c];
          const v1 = r0a + (r0b - r0a) * dx;
          let v2 = v1;
          if (yb >= 0) {
            const r1a = data[(yb * width + xa) * channels + c];
            const r1b = data[(yb * width + xb) * channels + c];
            v2 = r1a + (r1b - r1a) * dx;
          }
          const v = v1 + (v2 - v1) * dy;
          out[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
        }
      }
    }
  }
  return { width, height, channels, data: out };
}

function geometric(image: RasterU8, labels: LabelRasters | undefined, m: Affine, imageResample: 'bilinear' | 'nearest', labelMatrix?: (label: RasterU8) => Affine): [RasterU8, LabelRasters | undefined] {
  const img = affinePil(image, m, imageResample, 0);
  if (!labels) return [img, undefined];
  const out: LabelRasters = {};
  for (const [expert, label] of Object.entries(labels)) {
    out[expert] = affinePil(label, labelMatrix ? labelMatrix(label) : m, 'nearest', LABEL_FILL[expert] ?? 0);
  }
  return [img, out];
}

/** PIL `Image.rotate(angle)` matrix about the image centre (expand=False). */
function rotationMatrix(width: number, height: number, degrees: number): Affine {
  const angle = -((((degrees % 360) + 360) % 360) * Math.PI) / 180;
  const r = (v: number): number => Math.round(v * 1e15) / 1e15;
  const a = r(Math.cos(angle));
  const b = r(Math.sin(angle));
  const d = r(-Math.sin(angle));
  const e = a;
  const cx = width / 2;
  const cy = height / 2;
  return [a, b, a * -cx + b * -cy + cx, d, e, d * -cx + e * -cy + cy];
}

function mapChannels(image: RasterU8, lut: (channel: number) => Uint8Array): RasterU8 {
  const { width, height, channels, data } = image;
  const out = new Uint8Array(data.length);
  const luts = Array.from({ length: channels }, (_, c) => lut(c));
  for (let i = 0; i < data.length; i++) out[i] = luts[i % channels][data[i]];
  return { width, height, channels, data: out };
}

function histogram(image: RasterU8, channel: number): Float64Array {
  const h = new Float64Array(256);
  for (let i = channel; i < image.data.length; i += image.channels) h[image.data[i]]++;
  return h;
}

/** PIL `ImageOps.autocontrast(img)` (cutoff 0): stretch each channel's [min, max] to [0, 255]. */
export function autocontrast(image: RasterU8): RasterU8 {
  return mapChannels(image, (c) => {
    const h = histogram(image, c);
    let lo = 0;
    while (lo < 256 && h[lo] === 0) lo++;
    let hi = 255;
    while (hi >= 0 && h[hi] === 0) hi--;
    const lut = new Uint8Array(256);
    if (hi <= lo) {
      for (let i = 0; i < 256; i++) lut[i] = i;
      return lut;
    }
    const scale = 255 / (hi - lo);
    const offset = -lo * scale;
    for (let i = 0; i < 256; i++) {
      const v = Math.trunc(i * scale + offset);
      lut[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return lut;
  });
}

/** PIL `ImageOps.equalize(img)`. */
export function equalize(image: RasterU8): RasterU8 {
  return mapChannels(image, (c) => {
    const h = histogram(image, c);
    const lut = new Uint8Array(256);
    const nonZero = Array.from(h).filter((v) => v > 0);
    const step = nonZero.length <= 1 ? 0 : Math.floor((nonZero.reduce((a, b) => a + b, 0) - nonZero[nonZero.length - 1]) / 256);
    if (step === 0) {
      for (let i = 0; i < 256; i++) lut[i] = i;
      return lut;
    }
    let n = Math.floor(step / 2);
    for (let i = 0; i < 256; i++) {
      lut[i] = Math.min(255, Math.floor(n / step));
      n += h[i];
    }
    return lut;
  });
}

/** PIL `Image.blend(degenerate, image, factor)` as ImageEnhance does (float, truncated, clamped). */
function blend(degenerate: Uint8Array, image: RasterU8, factor: number): RasterU8 {
  if (factor === 1) return { ...image, data: image.data.slice() };
  const out = new Uint8Array(image.data.length);
  const f = Math.fround(factor);
  for (let i = 0; i < out.length; i++) {
    const v = Math.fround(degenerate[i] + f * (image.data[i] - degenerate[i]));
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return { ...image, data: out };
}

/** PIL `ImageEnhance.Brightness(img).enhance(factor)` (blend with black). */
export function brightness(image: RasterU8, factor: number): RasterU8 {
  return blend(new Uint8Array(image.data.length), image, factor);
}

/** PIL `ImageEnhance.Sharpness(img).enhance(factor)`: blend with the SMOOTH-filtered image (3x3 kernel 1,1,1/1,5,1/1,1,1 ÷ 13, borders kept). */
export function sharpness(image: RasterU8, factor: number): RasterU8 {
  const { width, height, channels, data } = image;
  const smooth = data.slice();
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += data[((y + dy) * width + x + dx) * channels + c] * (dx === 0 && dy === 0 ? 5 : 1);
        const v = s / 13;
        smooth[(y * width + x) * channels + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v + 0.5);
      }
    }
  }
  return blend(smooth, image, factor);
}

/** The official op list (`augment_list()`), in order, with each op's magnitude range. */
export const RAND_AUGMENT_OPS = [
  { name: 'Identity', min: 0, max: 1 },
  { name: 'ShearX', min: 0, max: 0.3 },
  { name: 'ShearY', min: 0, max: 0.3 },
  { name: 'TranslateX', min: 0, max: 0.33 },
  { name: 'TranslateY', min: 0, max: 0.33 },
  { name: 'Rotate', min: 0, max: 30 },
  { name: 'AutoContrast', min: 0, max: 1 },
  { name: 'Equalize', min: 0, max: 1 },
  { name: 'Brightness', min: 0.1, max: 1.9 },
  { name: 'Sharpness', min: 0.1, max: 1.9 },
] as const;

export type RandAugmentOpName = (typeof RAND_AUGMENT_OPS)[number]['name'];

export interface RandAugmentOptions {
  /** Official quirk: TranslateX/Y move labels by the same number of pixels as the image although labels are 224 px and the image is not; true scales the shift to each label's size. */
  scaleLabelTranslation?: boolean;
}

/** Applies one op with value v (the official sign flip for geometric ops draws from `rng`). */
export function applyAugmentOp(name: RandAugmentOpName, v: number, image: RasterU8, labels: LabelRasters | undefined, rng: SeededRng, options: RandAugmentOptions = {}): [RasterU8, LabelRasters | undefined] {
  const sign = (): number => (rng.next() > 0.5 ? -1 : 1);
  switch (name) {
    case 'Identity':
      return [image, labels];
    case 'ShearX': { const s = sign() * v; return geometric(image, labels, [1, s, 0, 0, 1, 0], 'bilinear'); }
    case 'ShearY': { const s = sign() * v; return geometric(image, labels, [1, 0, 0, s, 1, 0], 'bilinear'); }
    case 'TranslateX': {
      const f = sign() * v;
      const t = f * image.width;
      return geometric(image, labels, [1, 0, t, 0, 1, 0], 'bilinear', options.scaleLabelTranslation ? (l) => [1, 0, f * l.width, 0, 1, 0] : undefined);
    }
    case 'TranslateY': {
      const f = sign() * v;
      const t = f * image.height;
      return geometric(image, labels, [1, 0, 0, 0, 1, t], 'bilinear', options.scaleLabelTranslation ? (l) => [1, 0, 0, 0, 1, f * l.height] : undefined);
    }
    case 'Rotate': {
      const deg = sign() * v;
      return geometric(image, labels, rotationMatrix(image.width, image.height, deg), 'nearest', (l) => rotationMatrix(l.width, l.height, deg));
    }
    case 'AutoContrast': return [autocontrast(image), labels];
    case 'Equalize': return [equalize(image), labels];
    case 'Brightness': return [brightness(image, v), labels];
    case 'Sharpness': return [sharpness(image, v), labels];
  }
}

/** `RandAugment(n, m)`: n ops drawn with replacement, each at magnitude (m/10)·(max−min)+min. */
export function randAugment(image: RasterU8, labels: LabelRasters | undefined, rng: SeededRng, n = 2, m = 5, options: RandAugmentOptions = {}): [RasterU8, LabelRasters | undefined] {
  let pair: [RasterU8, LabelRasters | undefined] = [image, labels];
  const ops = Array.from({ length: n }, () => RAND_AUGMENT_OPS[rng.int(RAND_AUGMENT_OPS.length)]);
  for (const op of ops) {
    const v = (m / 10) * (op.max - op.min) + op.min;
    pair = applyAugmentOp(op.name, v, pair[0], pair[1], rng, options);
  }
  return pair;
}
