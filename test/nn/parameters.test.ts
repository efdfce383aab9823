import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../../lib/nn/parameters.js';

test('ParameterStore.derived keeps a tensor until a source is assigned, and disposes it with the store', async () => {
  await tf.setBackend('cpu');
  const store = new ParameterStore(1);
  const weight = store.create('w', [2, 3], { normal: 1 });
  const bias = store.create('b', [3], 'zeros');
  let computed = 0;
  const derive = () => store.derived('wT+b', [weight, bias], () => {
    computed++;
    return [tf.add(tf.transpose(weight), tf.reshape(bias, [3, 1])) as tf.Tensor2D];
  });
  const before = tf.memory().numTensors;
  const [first] = tf.tidy(() => derive());
  const [again] = tf.tidy(() => derive());
  assert.equal(computed, 1);
  assert.equal(again, first, 'the same tensor is served while the sources are unchanged');
  assert.ok(!first!.isDisposed, 'a tidy around the call does not dispose the kept tensor');
  assert.equal(tf.memory().numTensors, before + 1);

  tf.tidy(() => bias.assign(tf.ones([3])));
  const [updated] = derive();
  assert.equal(computed, 2);
  assert.ok(first!.isDisposed, 'the stale tensor is freed when it is recomputed');
  assert.deepEqual(updated!.arraySync(), tf.tidy(() => tf.add(tf.transpose(weight), 1).arraySync()));
  assert.equal(tf.memory().numTensors, before + 1);

  store.dispose();
  assert.ok(updated!.isDisposed);
  assert.equal(tf.memory().numTensors, before - 2, 'the variables and the derived tensor are gone');
});
