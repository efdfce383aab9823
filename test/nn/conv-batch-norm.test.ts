import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d } from '../../lib/nn/batch-norm.js';
import { Conv2d, PatchEmbedding } from '../../lib/nn/conv2d.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { useBackend } from '../model/encoder-helpers.js';

/** Direct PyTorch-semantics convolution on NCHW host arrays (weight [out, in, k, k], symmetric padding). */
function referenceConv(x: Float32Array, [n, c, h, w]: number[], weight: Float32Array, out: number, k: number, stride: number, pad: number): { data: Float64Array; oh: number; ow: number } {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const data = new Float64Array(n! * out * oh * ow);
  for (let b = 0; b < n!; b++) for (let o = 0; o < out; o++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) {
    let sum = 0;
    for (let ci = 0; ci < c!; ci++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const iy = y * stride - pad + ky;
      const ix = xo * stride - pad + kx;
      if (iy < 0 || ix < 0 || iy >= h! || ix >= w!) continue;
      sum += x[((b * c! + ci) * h! + iy) * w! + ix]! * weight[((o * c! + ci) * k + ky) * k + kx]!;
    }
    data[((b * out + o) * oh + y) * ow + xo] = sum;
  }
  return { data, oh, ow };
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Conv2d 3x3 stride 2 padding 1 pads symmetrically like torch (${backend}, odd and even sizes)`, async () => {
    await useBackend(backend);
    const store = new ParameterStore(5);
    const conv = new Conv2d(store, 'conv', 3, 4, 3, { stride: 2, padding: 1, bias: false });
    assert.deepEqual(store.names(), ['conv.weight']);
    assert.deepEqual(store.get('conv.weight').shape, [4, 3, 3, 3]);
    for (const size of [8, 7]) {
      const shape: [number, number, number, number] = [2, 3, size, size];
      const x = tf.randomNormal(shape, 0, 1, 'float32', size) as tf.Tensor4D;
      const y = tf.tidy(() => tf.transpose(conv.apply(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D), [0, 3, 1, 2]));
      const ref = referenceConv(x.dataSync() as Float32Array, shape, store.get('conv.weight').dataSync() as Float32Array, 4, 3, 2, 1);
      assert.deepEqual(y.shape, [2, 4, ref.oh, ref.ow]);
      assert.equal(conv.outputSize(size), ref.oh);
      const got = y.dataSync();
      let max = 0;
      for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - ref.data[i]!));
      assert.ok(max < 1e-5, `max diff ${max}`);
      tf.dispose([x, y]);
    }
    store.dispose();
  });

  test(`PatchEmbedding equals a stride-p conv, dropping partial patches (${backend})`, async () => {
    await useBackend(backend);
    const store = new ParameterStore(2);
    const patch = new PatchEmbedding(store, 'conv1.rgb', 3, 5, 4);
    const shape: [number, number, number, number] = [2, 3, 10, 9];
    const x = tf.randomNormal(shape, 0, 1, 'float32', 9) as tf.Tensor4D;
    const { tokens, gridH, gridW } = patch.apply(x);
    assert.deepEqual([gridH, gridW], [2, 2]);
    assert.deepEqual(tokens.shape, [2, 4, 5]);
    const ref = referenceConv(x.dataSync() as Float32Array, shape, store.get('conv1.rgb.weight').dataSync() as Float32Array, 5, 4, 4, 0);
    const got = tokens.dataSync();
    let max = 0;
    for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) for (let o = 0; o < 5; o++) {
      max = Math.max(max, Math.abs(got[(b * 4 + t) * 5 + o]! - ref.data[(b * 5 + o) * 4 + t]!));
    }
    assert.ok(max < 1e-5, `max diff ${max}`);
    tf.dispose([x, tokens]);
    store.dispose();
  });
}

test('BatchNorm2d eval normalises with running statistics; names and buffers as torch', async () => {
  await useBackend('cpu');
  const store = new ParameterStore(0);
  const bn = new BatchNorm2d(store, 'bn', 3);
  assert.deepEqual(store.names(), ['bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
  assert.equal(store.get('bn.num_batches_tracked').dtype, 'int32');
  assert.equal(store.parameterCount(), 6);
  assert.ok(store.isBuffer('bn.running_var') && !store.isBuffer('bn.weight'));
  store.get('bn.weight').assign(tf.tensor1d([1.5, 0.5, 2]));
  store.get('bn.bias').assign(tf.tensor1d([0.1, -0.2, 0.3]));
  store.get('bn.running_mean').assign(tf.tensor1d([0.5, -1, 2]));
  store.get('bn.running_var').assign(tf.tensor1d([4, 0.25, 1]));
  const x = tf.tensor4d([1, 2, 3, -1, 0, 1], [1, 1, 2, 3]);
  const y = bn.apply(x).dataSync();
  const w = [1.5, 0.5, 2], b = [0.1, -0.2, 0.3], m = [0.5, -1, 2], v = [4, 0.25, 1];
  const xs = [1, 2, 3, -1, 0, 1];
  xs.forEach((value, i) => {
    const c = i % 3;
    const expected = ((value - m[c]!) / Math.sqrt(v[c]! + 1e-5)) * w[c]! + b[c]!;
    assert.ok(Math.abs(y[i]! - expected) < 1e-5);
  });
  x.dispose();
  store.dispose();
});

test('BatchNorm2d training uses batch statistics and updates the running ones (momentum 0.1, unbiased)', async () => {
  await useBackend('cpu');
  const store = new ParameterStore(0);
  const bn = new BatchNorm2d(store, 'bn', 1);
  const x = tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]);
  const y = bn.apply(x, { training: true }).dataSync();
  const mean = 3;
  const biased = (4 + 1 + 0 + 9) / 4;
  [1, 2, 3, 6].forEach((value, i) => assert.ok(Math.abs(y[i]! - (value - mean) / Math.sqrt(biased + 1e-5)) < 1e-5));
  assert.ok(Math.abs(store.get('bn.running_mean').dataSync()[0]! - 0.3) < 1e-6);
  assert.ok(Math.abs(store.get('bn.running_var').dataSync()[0]! - (0.9 + 0.1 * (14 / 3))) < 1e-6);
  assert.equal(store.get('bn.num_batches_tracked').dataSync()[0], 1);
  x.dispose();
  store.dispose();
});

test('BatchNorm2d momentum 1/k per call averages the batch statistics (torch momentum=None)', async () => {
  await useBackend('cpu');
  const store = new ParameterStore(0);
  const bn = new BatchNorm2d(store, 'bn', 1);
  const batches = [[1, 2, 3, 6], [10, 10, 12, 12]];
  batches.forEach((values, k) => tf.tidy(() => { bn.apply(tf.tensor4d(values, [1, 2, 2, 1]), { training: true, momentum: 1 / (k + 1) }); }));
  // Batch means 3 and 11; unbiased variances 14/3 and 4/3.
  assert.ok(Math.abs(store.get('bn.running_mean').dataSync()[0]! - 7) < 1e-5);
  assert.ok(Math.abs(store.get('bn.running_var').dataSync()[0]! - 3) < 1e-5);
  store.dispose();
});

test('layout errors name the module and the expected shape', () => {
  const store = new ParameterStore(0);
  const conv = new Conv2d(store, 'stem.1', 3, 4, 3, { padding: 1 });
  const bad = tf.zeros([1, 3, 8, 8]) as tf.Tensor4D;
  assert.throws(() => conv.apply(bad), /stem\.1: input has shape \[1, 3, 8, 8\], expected \[N, H, W, 3\] \(NHWC\)/);
  const patch = new PatchEmbedding(store, 'conv1.rgb', 3, 4, 16);
  assert.throws(() => patch.apply(bad), /smaller than one 16x16 patch/);
  bad.dispose();
  store.dispose();
});
