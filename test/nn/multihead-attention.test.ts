import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MultiheadAttention } from '../../lib/nn/multihead-attention.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { useBackend } from '../model/encoder-helpers.js';
import { maxDiff, opTensor } from './ops-helpers.js';

function officialMha(): { store: ParameterStore; mha: MultiheadAttention } {
  const store = new ParameterStore(0);
  const mha = new MultiheadAttention(store, 'mha', 8, 2);
  for (const name of ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']) {
    const value = opTensor(`mha.${name}`);
    store.get(`mha.${name}`).assign(value);
    value.dispose();
  }
  return { store, mha };
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`nn.MultiheadAttention cross and self attention on ${backend}`, async () => {
    await useBackend(backend);
    const { store, mha } = officialMha();
    assert.deepEqual(store.names(), ['mha.in_proj_weight', 'mha.in_proj_bias', 'mha.out_proj.weight', 'mha.out_proj.bias']);
    const q = opTensor('mha.q') as tf.Tensor3D;
    const kv = opTensor('mha.kv') as tf.Tensor3D;
    const cross = mha.apply(q, kv, kv).output;
    const self = mha.apply(kv).output;
    assert.ok(maxDiff(cross, 'mha.out_cross') <= 1e-5);
    assert.ok(maxDiff(self, 'mha.out_self') <= 1e-5);
    // Separate key and value tensors take the unpacked path; same numbers when they are equal.
    const kvCopy = kv.clone();
    const unpacked = mha.apply(q, kv, kvCopy).output;
    assert.ok(maxDiff(unpacked, 'mha.out_cross') <= 1e-5);
    tf.dispose([q, kv, kvCopy, cross, self, unpacked]);
    store.dispose();
  });
}

test('attention weights are per-head probabilities [B, H, Lq, Lk]', async () => {
  await useBackend('cpu');
  const { store, mha } = officialMha();
  const q = opTensor('mha.q') as tf.Tensor3D;
  const kv = opTensor('mha.kv') as tf.Tensor3D;
  const { output, weights } = mha.apply(q, kv, kv, { returnWeights: true });
  assert.deepEqual(weights!.shape, [2, 2, 3, 5]);
  const sums = tf.sum(weights!, -1).dataSync();
  for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5);
  tf.dispose([q, kv, output, weights!]);
  store.dispose();
});

test('shape errors name the module and the expected layout', () => {
  const store = new ParameterStore(0);
  const mha = new MultiheadAttention(store, 'enc.attn', 8, 2);
  const bad = tf.zeros([3, 2, 6]) as tf.Tensor3D;
  assert.throws(() => mha.apply(bad), /enc\.attn: query has shape \[3, 2, 6\], expected \[L, B, 8\]/);
  assert.throws(() => new MultiheadAttention(store, 'x', 10, 3), /not divisible/);
  bad.dispose();
  store.dispose();
});
