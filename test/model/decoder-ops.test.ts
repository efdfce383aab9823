// Decoder building blocks against the ops fixtures (position ids, extended mask, label-smoothed loss),
// and the loss's closed-form gradient against autodiff of the plain formula.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import {
  FLOAT32_MIN, decoderExtendedAttentionMask, decoderLossPerSample, decoderPositionIds, labelSmoothedTokenLoss,
} from '../../lib/model/decoder/index.js';
import { lookupEmbeddingRows } from '../../lib/model/decoder/lookup.js';
import { BACKENDS, PARITY, floatTensor, intTensor, maxAbsDiff, useBackend } from './prismer-fixtures.js';

const ops = readSafetensors(`${PARITY}/ops/ops.safetensors`).tensors;

for (const backend of BACKENDS) {
  describe(`decoder ops on ${backend}`, () => {
    before(() => useBackend(backend));

    it('position ids from padding match posids.*', () => {
      const ids = intTensor(ops, 'posids.input_ids') as tf.Tensor2D;
      const out = decoderPositionIds(ids, 1);
      assert.deepEqual(Array.from(out.dataSync()), Array.from(intTensor(ops, 'posids.out').dataSync()));
      tf.dispose([ids, out]);
    });

    it('position ids continue from the non-pad count of the past', () => {
      const ids = tf.tensor2d([[5, 1, 7], [1, 1, 9]], undefined, 'int32');
      const out = decoderPositionIds(ids, 1, tf.tensor1d([3, 0], 'int32'));
      assert.deepEqual(Array.from(out.dataSync()), [5, 1, 6, 1, 1, 2]);
    });

    it('the extended attention mask matches extmask.* bit for bit (-0 where attended, finfo.min where masked)', () => {
      const mask = intTensor(ops, 'extmask.attention_mask') as tf.Tensor2D;
      const out = decoderExtendedAttentionMask(mask);
      const expected = floatTensor(ops, 'extmask.out');
      assert.deepEqual(out.shape, expected.shape);
      const [a, b] = [out.dataSync(), expected.dataSync()];
      for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `element ${i}: ${a[i]} vs ${b[i]}`);
      assert.ok(Array.from(a).includes(FLOAT32_MIN) || Array.from(a).some((v) => v === Math.fround(FLOAT32_MIN)));
    });

    it('the mask of new positions after a cached past allows every past column except pads', () => {
      const out = decoderExtendedAttentionMask(tf.tensor2d([[1, 0, 1, 1]], undefined, 'int32'), 2);
      const values = Array.from(out.dataSync()).map((v) => (v === 0 ? 1 : 0));
      assert.deepEqual(out.shape, [1, 1, 2, 4]);
      assert.deepEqual(values, [1, 0, 1, 0, 1, 0, 1, 1]);
    });

    it('label-smoothed loss summed per sample matches ce.*', () => {
      const logits = floatTensor(ops, 'ce.logits') as tf.Tensor3D;
      const labels = intTensor(ops, 'ce.labels') as tf.Tensor2D;
      const out = decoderLossPerSample(logits, labels);
      assert.ok(maxAbsDiff(out, floatTensor(ops, 'ce.loss_per_sample')) <= 1e-5);
    });

    it('the loss gradient equals autodiff of the plain formula, ignored rows get none', () => {
      const logits = tf.randomNormal([5, 7], 0, 2, 'float32', 3) as tf.Tensor2D;
      const labels = tf.tensor1d([3, -100, 0, 6, -100], 'int32');
      const weights = tf.tensor1d([1, 2, 3, 4, 5]);
      const custom = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(labelSmoothedTokenLoss(x as tf.Tensor2D, labels), weights)))(logits);
      const reference = tf.grad((x: tf.Tensor) => {
        const logp = tf.logSoftmax(x, -1);
        const safe = tf.tensor1d([3, 0, 0, 6, 0], 'int32');
        const valid = tf.tensor1d([1, 0, 1, 1, 0]);
        const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(safe, 7)), -1));
        const smooth = tf.neg(tf.mean(logp, -1));
        return tf.sum(tf.mul(tf.mul(tf.add(tf.mul(nll, 0.9), tf.mul(smooth, 0.1)), valid), weights));
      })(logits);
      assert.ok(maxAbsDiff(custom, reference) <= 1e-5);
      const rows = custom.arraySync() as number[][];
      assert.ok(rows[1]!.every((v) => v === 0) && rows[4]!.every((v) => v === 0));
    });

    it('rejects labels outside the vocabulary', () => {
      assert.throws(() => labelSmoothedTokenLoss(tf.zeros([2, 4]) as tf.Tensor2D, tf.tensor1d([1, 4], 'int32')), /label 4 is outside \[0, 4\)/);
    });
  });
}

describe('embedding lookup', () => {
  it('gathers rows and names an id outside the table (low and high) instead of returning zeros', async () => {
    await tf.setBackend('cpu');
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const rows = lookupEmbeddingRows(table, tf.tensor2d([[2, 0]], [1, 2], 'int32'));
    assert.deepEqual(rows.arraySync(), [[[5, 6], [1, 2]]]);
    assert.throws(() => lookupEmbeddingRows(table, tf.tensor1d([0, 3], 'int32')), /embedding lookup: id 3 is outside \[0, 3\)/);
    assert.throws(() => lookupEmbeddingRows(table, tf.tensor1d([-1, 1], 'int32'), 2), /embedding lookup: id -1 is outside \[0, 2\)/);
    tf.dispose([table, rows]);
  });
});
