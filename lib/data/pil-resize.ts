/**
 * PIL's `Image.resize` for 8-bit images, reimplemented so that our resized pixels are bit-identical
 * to the official pipeline (torchvision's `resize` on a PIL image calls it): separable convolution,
 * horizontal pass first into an 8-bit intermediate restricted to the rows the vertical pass needs,
 * filter support widened by the downscale factor (antialiasing), coefficients normalised and
 * rounded to 22-bit fixed point, results rounded and clamped to u8.
 */

export type PilFilter = 'bicubic' | 'bilinear' | 'nearest';

/** A packed interleaved u8 image (HWC). */
export interface RasterU8 {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** A source rectangle [x0, y0, x1, y1] in input pixels (PIL's `box`). */
export type ResizeBox = readonly [number, number, number, number];

const PRECISION_BITS = 32 - 8 - 2;

function bicubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function bilinear(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // [xmin, count] per output pixel
  weights: Int32Array; // ksize per output pixel, fixed point
}

function precompute(inSize: number, in0: number, in1: number, outSize: number, filter: (x: number) => number, support0: number): Coefficients {
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = support0 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (ww !== 0 ? k[x] / ww : k[x]) : 0;
      const fixed = w * (1 << PRECISION_BITS);
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(value: number): number {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function horizontal(src: RasterU8, outWidth: number, rowOffset: number, rows: number, c: Coefficients): RasterU8 {
  const { channels } = src;
  const out = new Uint8Array(outWidth * rows * channels);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < rows; y++) {
    const inRow = (y + rowOffset) * src.width * channels;
    const outRow = y * outWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.bounds[xx * 2];
      const count = c.bounds[xx * 2 + 1];
      const kOff = xx * c.ksize;
      for (let ch = 0; ch < channels; ch++) {
        let ss = half;
        for (let x = 0; x < count; x++) ss += src.data[inRow + (x + xmin) * channels + ch] * c.weights[kOff + x];
        out[outRow + xx * channels + ch] = clip8(ss);
      }
    }
  }
  return { width: outWidth, height: rows, channels, data: out };
}

function vertical(src: RasterU8, outHeight: number, c: Coefficients, boundsShift: number): RasterU8 {
  const { channels, width } = src;
  const out = new Uint8Array(width * outHeight * channels);
  const half = 1 << (PRECISION_BITS - 1);
  const stride = width * channels;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.bounds[yy * 2] - boundsShift;
    const count = c.bounds[yy * 2 + 1];
    const kOff = yy * c.ksize;
    for (let i = 0; i < stride; i++) {
      let ss = half;
      for (let y = 0; y < count; y++) ss += src.data[(y + ymin) * stride + i] * c.weights[kOff + y];
      out[yy * stride + i] = clip8(ss);
    }
  }
  return { width, height: outHeight, channels, data: out };
}

function nearest(src: RasterU8, width: number, height: number, box: ResizeBox): RasterU8 {
  const { channels } = src;
  const out = new Uint8Array(width * height * channels);
  const [x0, y0, x1, y1] = box;
  const sx = (x1 - x0) / width;
  const sy = (y1 - y0) / height;
  for (let y = 0; y < height; y++) {
    const yi = Math.min(src.height - 1, Math.floor(y0 + (y + 0.5) * sy));
    for (let x = 0; x < width; x++) {
      const xi = Math.min(src.width - 1, Math.floor(x0 + (x + 0.5) * sx));
      const s = (yi * src.width + xi) * channels;
      const d = (y * width + x) * channels;
      for (let ch = 0; ch < channels; ch++) out[d + ch] = src.data[s + ch];
    }
  }
  return { width, height, channels, data: out };
}

/** PIL `img.resize((width, height), filter, box)` on an 8-bit image of any channel count. */
export function resizePil(src: RasterU8, width: number, height: number, filter: PilFilter, box?: ResizeBox): RasterU8 {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new Error(`resizePil: output size must be positive integers, got ${width}x${height}`);
  }
  const b: ResizeBox = box ?? [0, 0, src.width, src.height];
  if (filter === 'nearest') return nearest(src, width, height, b);
  const kernel = filter === 'bicubic' ? bicubic : bilinear;
  const support = filter === 'bicubic' ? 2 : 1;
  const needH = width !== src.width || b[0] !== 0 || b[2] !== width;
  const needV = height !== src.height || b[1] !== 0 || b[3] !== height;
  const vert = precompute(src.height, b[1], b[3], height, kernel, support);
  const yFirst = vert.bounds[0];
  const yLast = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
  let current = src;
  let shift = 0;
  if (needH) {
    const horiz = precompute(src.width, b[0], b[2], width, kernel, support);
    current = horizontal(src, width, yFirst, yLast - yFirst, horiz);
    shift = yFirst;
  }
  if (needV) return vertical(current, height, vert, shift);
  if (!needH) return { ...src, data: src.data.slice() };
  return current;
}
