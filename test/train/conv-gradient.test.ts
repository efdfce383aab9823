import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGradient, installFastConv2dGradient } from '../../lib/train/conv-gradient.js';

function stockFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, shape: [number, number, number, number], strides: number, pad: unknown): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape: shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

const CASES: Array<{ name: string; h: number; k: number; cin: number; cout: number; stride: number; pad: unknown }> = [
  { name: '3x3 stride 2 explicit pad 1 (expert stem)', h: 9, k: 3, cin: 3, cout: 4, stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 stride 1 same', h: 6, k: 3, cin: 2, cout: 5, stride: 1, pad: 'same' },
  { name: '1x1 valid (stem projection)', h: 4, k: 1, cin: 6, cout: 3, stride: 1, pad: 'valid' },
  { name: '2x2 stride 2 number pad 0', h: 8, k: 2, cin: 2, cout: 2, stride: 2, pad: 0 },
];

for (const c of CASES) {
  test(`im2col filter gradient equals Conv2DBackpropFilter: ${c.name}`, () => {
    const x = tf.randomNormal([2, c.h, c.h, c.cin], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, c.stride, c.pad as 'same');
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const ours = conv2dFilterGradient(x, dy, [c.k, c.k, c.cin, c.cout], c.stride, c.pad)!;
    const stock = stockFilterGrad(x, dy, [c.k, c.k, c.cin, c.cout], c.stride, c.pad);
    assert.deepEqual(ours.shape, stock.shape);
    const diff = tf.max(tf.abs(tf.sub(ours, stock))).dataSync()[0]!;
    assert.ok(diff < 1e-4, `max |difference| ${diff}`);
  });
}

test('installed gradient gives tf.grad of conv2d the same filter and input gradients', () => {
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
  const f = (...args: tf.Tensor[]): tf.Scalar => tf.sum(tf.square(tf.conv2d(args[0] as tf.Tensor4D, args[1] as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])));
  const before = tf.grads(f)([x, w]);
  installFastConv2dGradient();
  const after = tf.grads(f)([x, w]);
  for (let i = 0; i < 2; i++) {
    const diff = tf.max(tf.abs(tf.sub(before[i]!, after[i]!))).dataSync()[0]!;
    assert.ok(diff < 1e-3, `gradient ${i}: max |difference| ${diff}`);
  }
});
