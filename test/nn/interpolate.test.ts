import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  bicubicMatrix, bilinearAlignCornersMatrix, interpolateBicubic, interpolateNearest, interpolatePosEmbed, nearestIndices,
  upsampledSize, upsamplingBilinear2d,
} from '../../lib/nn/interpolate.js';
import { useBackend } from '../model/encoder-helpers.js';
import { maxDiff, opTensor } from './ops-helpers.js';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`interpolation on ${backend} against the official ops`, () => {
    for (const name of ['30to14', '6to4', '14to30', '24to16']) {
      test(`interpolate_pos_embed ${name}`, async () => {
        await useBackend(backend);
        const input = opTensor(`posinterp.${name}.in`) as tf.Tensor2D;
        const target = Number(name.split('to')[1]) ** 2;
        const out = interpolatePosEmbed(input, target);
        assert.ok(maxDiff(out, `posinterp.${name}.out`) <= 1e-5);
        tf.dispose([input, out]);
      });
    }

    for (const [name, scale] of [['x0.25', 0.25], ['x1.0', 1.0], ['x16over14', 16 / 14], ['x4over14', 4 / 14]] as const) {
      test(`UpsamplingBilinear2d ${name}`, async () => {
        await useBackend(backend);
        const input = opTensor(`upbilinear.${name}.in`) as tf.Tensor4D;
        const out = upsamplingBilinear2d(input, scale);
        assert.ok(maxDiff(out, `upbilinear.${name}.out`) <= 1e-5);
        tf.dispose([input, out]);
      });
    }

    for (const size of [7, 16]) {
      test(`legacy nearest 50 -> ${size}`, async () => {
        await useBackend(backend);
        const input = opTensor('nearest.in') as tf.Tensor4D;
        const out = interpolateNearest(input, [size, size]);
        assert.equal(maxDiff(out, `nearest.50to${size}.out`), 0);
        tf.dispose([input, out]);
      });
    }
  });
}

test('bicubic rows sum to one, weights are Keys A=-0.75 at the half-pixel source', () => {
  const m = bicubicMatrix(6, 4);
  for (let r = 0; r < 4; r++) {
    const sum = m.slice(r * 6, r * 6 + 6).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6);
  }
  // dst 0: src = 0.5 * 1.5 - 0.5 = 0.25 → taps -1(clamped to 0), 0, 1, 2 with t = 0.25.
  const A = -0.75;
  const t = 0.25;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  assert.ok(Math.abs(m[0]! - (far(t + 1) + near(t))) < 1e-6);
  assert.ok(Math.abs(m[1]! - near(1 - t)) < 1e-6);
  assert.ok(Math.abs(m[2]! - far(2 - t)) < 1e-6);
});

test('bicubic of equal sizes is the identity; interpolatePosEmbed returns its input then', () => {
  assert.deepEqual(Array.from(bicubicMatrix(3, 3)), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const pe = tf.randomNormal([16, 4]) as tf.Tensor2D;
  assert.equal(interpolatePosEmbed(pe, 16), pe);
  assert.throws(() => interpolatePosEmbed(tf.zeros([15, 4]) as tf.Tensor2D, 4), /not a square grid/);
  pe.dispose();
});

test('align-corners bilinear keeps the corners and sizes follow floor(in * scale)', () => {
  const m = bilinearAlignCornersMatrix(28, 32);
  assert.equal(m[0], 1);
  assert.equal(m[31 * 28 + 27], 1);
  assert.equal(upsampledSize(224, 16 / 14), 256);
  assert.equal(upsampledSize(224, 4 / 14), 64);
  assert.equal(upsampledSize(28, 4 / 14), 8);
});

test('nearest indices use floor(dst * in/out) clamped', () => {
  assert.deepEqual(nearestIndices(50, 7), [0, 7, 14, 21, 28, 35, 42]);
  assert.deepEqual(nearestIndices(4, 8), [0, 0, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(nearestIndices(5, 5), [0, 1, 2, 3, 4]);
});

test('interpolateBicubic on NCHW equals the separable matrices applied by hand', () => {
  const x = tf.randomNormal([1, 2, 5, 7], 0, 1, 'float32', 3) as tf.Tensor4D;
  const out = interpolateBicubic(x, [3, 4]);
  const my = tf.tensor2d(bicubicMatrix(5, 3), [3, 5]);
  const mx = tf.tensor2d(bicubicMatrix(7, 4), [4, 7]);
  const channel = tf.reshape(tf.slice(x, [0, 1, 0, 0], [1, 1, 5, 7]), [5, 7]) as tf.Tensor2D;
  const expected = tf.matMul(tf.matMul(my, channel), mx, false, true);
  const actual = tf.reshape(tf.slice(out, [0, 1, 0, 0], [1, 1, 3, 4]), [3, 4]);
  assert.ok(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]! < 1e-5);
  tf.dispose([x, out, my, mx, channel, expected, actual]);
});
