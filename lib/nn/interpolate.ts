import * as tf from '@tensorflow/tfjs';
import { gpuInference } from './fused.js';

// PyTorch's resampling modes written as precomputed interpolation matrices: a resize along one axis is
// `out = M @ in` with M [outSize, inSize]. Coordinates follow torch 1.13/2.0's CPU kernels (float32
// source coordinates), so tap selection and weights match; the products then run as tfjs matmuls.

const f32 = Math.fround;
const matrixCache = new Map<string, Float32Array>();

function cached(key: string, build: () => Float32Array): Float32Array {
  let matrix = matrixCache.get(key);
  if (!matrix) {
    matrix = build();
    matrixCache.set(key, matrix);
  }
  return matrix;
}

function checkSize(what: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new Error(`${what}: size ${size} is not a positive integer`);
}

/** Keys cubic convolution kernel with A = -0.75 (torch `get_cubic_upsample_coefficients`). */
function cubicCoefficients(t: number): [number, number, number, number] {
  const A = -0.75;
  const near = (x: number) => f32(f32(f32(f32((A + 2) * x) - (A + 3)) * x) * x + 1);
  const far = (x: number) => f32(f32(f32(f32(f32(A * x) - 5 * A) * x) + 8 * A) * x - 4 * A);
  return [far(f32(t + 1)), near(t), near(f32(1 - t)), far(f32(2 - t))];
}

/**
 * [outSize, inSize] matrix of `F.interpolate(mode='bicubic', align_corners=False)` along one axis:
 * `src = (dst + 0.5) * in/out - 0.5` (not clamped), four taps clamped to the border.
 */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  checkSize('bicubicMatrix', inSize);
  checkSize('bicubicMatrix', outSize);
  return cached(`bicubic:${inSize}:${outSize}`, () => {
    const m = new Float32Array(outSize * inSize);
    if (inSize === outSize) {
      for (let i = 0; i < inSize; i++) m[i * inSize + i] = 1;
      return m;
    }
    const scale = f32(inSize / outSize);
    for (let dst = 0; dst < outSize; dst++) {
      const real = f32(f32(scale * f32(dst + 0.5)) - 0.5);
      const base = Math.floor(real);
      const weights = cubicCoefficients(f32(real - base));
      for (let k = 0; k < 4; k++) {
        const src = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
        m[dst * inSize + src] += weights[k]!;
      }
    }
    return m;
  });
}

/**
 * [outSize, inSize] matrix of bilinear interpolation with `align_corners=True`
 * (`src = dst * (in-1)/(out-1)`), the mode of `nn.UpsamplingBilinear2d`.
 */
export function bilinearAlignCornersMatrix(inSize: number, outSize: number): Float32Array {
  checkSize('bilinearAlignCornersMatrix', inSize);
  checkSize('bilinearAlignCornersMatrix', outSize);
  return cached(`bilinear-ac:${inSize}:${outSize}`, () => {
    const m = new Float32Array(outSize * inSize);
    const scale = outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0;
    for (let dst = 0; dst < outSize; dst++) {
      const real = f32(scale * dst);
      const i0 = Math.min(Math.floor(real), inSize - 1);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const lambda1 = f32(real - i0);
      m[dst * inSize + i0] += f32(1 - lambda1);
      m[dst * inSize + i1] += lambda1;
    }
    return m;
  });
}

/** Source index of every output position of legacy `mode='nearest'`: `min(floor(dst * (in/out)), in-1)` in float32. */
export function nearestIndices(inSize: number, outSize: number): number[] {
  checkSize('nearestIndices', inSize);
  checkSize('nearestIndices', outSize);
  if (outSize === inSize) return Array.from({ length: outSize }, (_, i) => i);
  if (outSize === 2 * inSize) return Array.from({ length: outSize }, (_, i) => i >> 1);
  const scale = f32(inSize / outSize);
  return Array.from({ length: outSize }, (_, dst) => Math.min(Math.floor(f32(dst * scale)), inSize - 1));
}

/** M [out, in] as its transpose [in, out], so resizes run as plain matmuls (no transposed operand). */
function transposedMatrix(matrix: Float32Array, outSize: number, inSize: number): tf.Tensor2D {
  const t = new Float32Array(inSize * outSize);
  for (let o = 0; o < outSize; o++) for (let i = 0; i < inSize; i++) t[i * outSize + o] = matrix[o * inSize + i]!;
  return tf.tensor2d(t, [inSize, outSize]);
}

/** Applies per-axis matrices to the last two axes of an NCHW tensor: `out[n,c] = My @ x[n,c] @ Mx^T`. */
export function resizeNCHW(x: tf.Tensor4D, rows: { matrix: Float32Array; outSize: number }, cols: { matrix: Float32Array; outSize: number }): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, c, h, w] = x.shape;
    const alongW = tf.matMul(tf.reshape(x, [n * c * h, w]) as tf.Tensor2D, transposedMatrix(cols.matrix, cols.outSize, w)); // [n*c*h, W']
    const wFirst = tf.transpose(tf.reshape(alongW, [n * c, h, cols.outSize]), [0, 2, 1]).reshape([n * c * cols.outSize, h]) as tf.Tensor2D;
    const alongH = tf.matMul(wFirst, transposedMatrix(rows.matrix, rows.outSize, h)); // [n*c*W', H']
    return tf.transpose(tf.reshape(alongH, [n * c, cols.outSize, rows.outSize]), [0, 2, 1]).reshape([n, c, rows.outSize, cols.outSize]) as tf.Tensor4D;
  });
}

/** Output size of `nn.UpsamplingBilinear2d(scale_factor)`: `floor(in * scale)` in double precision, as torch. */
export function upsampledSize(inSize: number, scaleFactor: number): number {
  return Math.floor(inSize * scaleFactor);
}

/** Input and output height and width of `nn.UpsamplingBilinear2d(scale_factor)` on NCHW x; an empty map is an error. */
function upsampledShape(x: tf.Tensor4D, scaleFactor: number): [number, number, number, number] {
  if (x.rank !== 4) throw new Error(`upsamplingBilinear2d: input has shape [${x.shape.join(', ')}], expected [N, C, H, W]`);
  const [, , h, w] = x.shape;
  const outH = upsampledSize(h, scaleFactor);
  const outW = upsampledSize(w, scaleFactor);
  if (outH < 1 || outW < 1) throw new Error(`upsamplingBilinear2d: scale ${scaleFactor} turns ${h}x${w} into an empty map`);
  return [h, w, outH, outW];
}

/**
 * `nn.UpsamplingBilinear2d(scale_factor=s)` on NCHW: bilinear, align_corners=True, output
 * `floor(in * s)`. A scale giving the same size is an exact identity (returned as a clone).
 */
export function upsamplingBilinear2d(x: tf.Tensor4D, scaleFactor: number): tf.Tensor4D {
  const [h, w, outH, outW] = upsampledShape(x, scaleFactor);
  if (outH === h && outW === w) return x.clone();
  return resizeNCHW(x, { matrix: bilinearAlignCornersMatrix(h, outH), outSize: outH }, { matrix: bilinearAlignCornersMatrix(w, outW), outSize: outW });
}

/**
 * `upsamplingBilinear2d` followed by NCHW → NHWC (what a conv stem wants). On the GPU backend at inference
 * (`gpuInference`) the layout changes first and tfjs' align-corners bilinear resize, which takes the same
 * two taps with the same weights (up to float rounding), resamples the channels-last map in one pass.
 */
export function upsamplingBilinear2dToNHWC(x: tf.Tensor4D, scaleFactor: number): tf.Tensor4D {
  if (!gpuInference()) return tf.tidy(() => tf.transpose(upsamplingBilinear2d(x, scaleFactor), [0, 2, 3, 1]) as tf.Tensor4D);
  const [h, w, outH, outW] = upsampledShape(x, scaleFactor);
  return tf.tidy(() => {
    const channelsLast = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
    return outH === h && outW === w ? channelsLast : tf.image.resizeBilinear(channelsLast, [outH, outW], true);
  });
}

/** `F.interpolate(x, size, mode='bicubic', align_corners=False)` on NCHW. */
export function interpolateBicubic(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`interpolateBicubic: input has shape [${x.shape.join(', ')}], expected [N, C, H, W]`);
  const [, , h, w] = x.shape;
  const [outH, outW] = size;
  return resizeNCHW(x, { matrix: bicubicMatrix(h, outH), outSize: outH }, { matrix: bicubicMatrix(w, outW), outSize: outW });
}

/** `F.interpolate(x, size, mode='nearest')` (legacy nearest) on the last two axes of an NCHW tensor of any dtype. */
export function interpolateNearest<T extends tf.Tensor4D>(x: T, size: [number, number]): T {
  return tf.tidy(() => {
    const [, , h, w] = x.shape;
    const rows = tf.tensor1d(nearestIndices(h, size[0]), 'int32');
    const cols = tf.tensor1d(nearestIndices(w, size[1]), 'int32');
    return tf.gather(tf.gather(x, rows, 2), cols, 3) as T;
  });
}

/**
 * Kronecker matrix [t*t, s*s] of the 2-D bicubic resize of a row-major s x s grid to t x t
 * (`My ⊗ Mx`), so a whole positional embedding resizes in one matmul.
 */
export function bicubicGridMatrix(fromSide: number, toSide: number): Float32Array {
  return cached(`bicubic-grid:${fromSide}:${toSide}`, () => {
    const m1 = bicubicMatrix(fromSide, toSide);
    const s2 = fromSide * fromSide;
    const out = new Float32Array(toSide * toSide * s2);
    for (let oy = 0; oy < toSide; oy++) {
      for (let ox = 0; ox < toSide; ox++) {
        const row = (oy * toSide + ox) * s2;
        for (let iy = 0; iy < fromSide; iy++) {
          const wy = m1[oy * fromSide + iy]!;
          if (wy === 0) continue;
          for (let ix = 0; ix < fromSide; ix++) {
            const wx = m1[ox * fromSide + ix]!;
            if (wx !== 0) out[row + iy * fromSide + ix] = wy * wx;
          }
        }
      }
    }
    return out;
  });
}

/**
 * Prismer's `interpolate_pos_embed(pe [s*s, D], target_len)`: bicubic (align_corners=False) resize of
 * the s x s token grid to t x t with t = floor(sqrt(target_len)); returns `pe` itself when s == t.
 */
export function interpolatePosEmbed(positionalEmbedding: tf.Tensor2D, targetLength: number): tf.Tensor2D {
  const [length] = positionalEmbedding.shape;
  const fromSide = Math.floor(Math.sqrt(length));
  const toSide = Math.floor(Math.sqrt(targetLength));
  if (fromSide * fromSide !== length) throw new Error(`interpolatePosEmbed: ${length} positions are not a square grid`);
  if (fromSide === toSide) return positionalEmbedding;
  return tf.tidy(() => {
    const matrix = tf.tensor2d(bicubicGridMatrix(fromSide, toSide), [toSide * toSide, length]);
    return tf.matMul(matrix, positionalEmbedding);
  });
}
