import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Linear } from '../../lib/nn/linear.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { batchedMatMul, clearTransposedWeightCache, matMulWeightT, SPLIT_BATCHED_MATMUL_MIN_WORK, splitBatchedMatMul, transposedWeightCacheSize } from '../../lib/nn/weight-matmul.js';
import { useBackend } from '../model/encoder-helpers.js';

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Linear.apply equals x @ W^T + b and follows weight updates (${backend})`, async () => {
    await useBackend(backend);
    clearTransposedWeightCache();
    const store = new ParameterStore(4);
    const linear = new Linear(store, 'fc', 6, 5);
    store.get('fc.bias').assign(tf.randomNormal([5], 0, 1, 'float32', 1));
    const x = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 2);
    const reference = () => tf.add(tf.matMul(x.reshape([6, 6]), store.get('fc.weight'), false, true), store.get('fc.bias')).reshape([2, 3, 5]);
    const fast = linear.apply(x);
    assert.deepEqual(fast.shape, [2, 3, 5]);
    assert.ok(maxAbs(fast, reference()) < 1e-5);
    assert.equal(transposedWeightCacheSize(), 1);
    // A new weight value (optimiser step, checkpoint load) must not be served from the stale cache.
    store.get('fc.weight').assign(tf.randomNormal([5, 6], 0, 1, 'float32', 3));
    assert.ok(maxAbs(linear.apply(x), reference()) < 1e-5);
    store.dispose();
    assert.equal(transposedWeightCacheSize(), 0);
  });

  test(`batchedMatMul equals tf.matMul with and without transposed b (${backend})`, async () => {
    await useBackend(backend);
    const a = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 5) as tf.Tensor3D;
    const b = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 6) as tf.Tensor3D;
    const bt = tf.transpose(b, [0, 2, 1]) as tf.Tensor3D;
    const reference = tf.matMul(a, b);
    assert.ok(maxAbs(batchedMatMul(a, b), reference) < 1e-5);
    assert.ok(maxAbs(batchedMatMul(a, bt, true), reference) < 1e-5);
    assert.ok(maxAbs(splitBatchedMatMul(a, bt, true), reference) < 1e-5);
    // Per-item work above the threshold: the split path on wasm.
    const big = tf.randomNormal([2, 48, 40], 0, 1, 'float32', 7) as tf.Tensor3D;
    const right = tf.randomNormal([2, 48, 40], 0, 1, 'float32', 8) as tf.Tensor3D;
    assert.ok(48 * 40 * 48 >= SPLIT_BATCHED_MATMUL_MIN_WORK);
    assert.ok(maxAbs(batchedMatMul(big, right, true), tf.matMul(big, right, false, true)) < 1e-4);
  });
}

test('matMulWeightT gradients equal those of the plain expression, for all rows and a row block', async () => {
  await useBackend('cpu');
  const w = tf.variable(tf.randomNormal([6, 4], 0, 1, 'float32', 7));
  const x = tf.randomNormal([3, 4], 0, 1, 'float32', 8) as tf.Tensor2D;
  const dy = tf.randomNormal([3, 2], 0, 1, 'float32', 9);
  const fast = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(matMulWeightT(xx as tf.Tensor2D, ww, 2, 2), dy)));
  const plain = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx as tf.Tensor2D, tf.slice(ww, [2, 0], [2, 4]) as tf.Tensor2D, false, true), dy)));
  const [fx, fw] = fast([x, w]);
  const [px, pw] = plain([x, w]);
  assert.ok(maxAbs(fx!, px!) < 1e-5);
  assert.ok(maxAbs(fw!, pw!) < 1e-5);
  const { grads } = tf.variableGrads(() => tf.sum(matMulWeightT(x, w)) as tf.Scalar, [w]);
  assert.ok(maxAbs(grads[w.name]!, tf.tile(tf.sum(x, 0, true), [6, 1])) < 1e-5);
});
