import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attentionRollout, latentExpertReads, expertReadTotals, maxRowSumError, modalityShares, selectHead, upsampleGrid, wordAttention, displayToken,
  type AttentionMatrix,
} from '../../lib/viz/index.js';
import { LAYOUT, randomAttention, seededRandom, syntheticCapture } from './attention-fixture.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (±${tol})`);

test('selectHead returns one head or the mean over heads', () => {
  const m: AttentionMatrix = { heads: 2, queries: 1, keys: 2, weights: Float32Array.from([0.2, 0.8, 0.6, 0.4]) };
  assert.deepEqual(Array.from(selectHead(m, 1)), [Math.fround(0.6), Math.fround(0.4)]);
  const mean = selectHead(m);
  close(mean[0]!, 0.4);
  close(mean[1]!, 0.6);
  assert.throws(() => selectHead(m, 2), /head 2 is outside \[0, 2\)/);
  assert.throws(() => selectHead({ ...m, keys: 3 }), /weights has 4 values, expected heads × queries × keys = 2×1×3/);
});

test('attention rollout: identity with full residual, A itself with none, the hand product for two layers, rows sum to 1', () => {
  const random = seededRandom(3);
  const a = randomAttention(1, 3, 3, random);
  const b = randomAttention(1, 3, 3, random);
  const identity = attentionRollout([a, b], { residual: 1 });
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(identity[i * 3 + j]!, i === j ? 1 : 0);
  const single = attentionRollout([a], { residual: 0 });
  single.forEach((v, i) => close(v, a.weights[i]!));
  // Two layers, residual 0.5: R = hat(B) · hat(A) with hat(X) = 0.5 X + 0.5 I (rows already sum to 1).
  const hat = (m: AttentionMatrix) => Array.from({ length: 9 }, (_, i) => 0.5 * m.weights[i]! + (i % 4 === 0 ? 0.5 : 0));
  const [ha, hb] = [hat(a), hat(b)];
  const rollout = attentionRollout([a, b]);
  for (let i = 0; i < 3; i++) {
    let rowSum = 0;
    for (let j = 0; j < 3; j++) {
      let expected = 0;
      for (let k = 0; k < 3; k++) expected += hb[i * 3 + k]! * ha[k * 3 + j]!;
      close(rollout[i * 3 + j]!, expected);
      rowSum += rollout[i * 3 + j]!;
    }
    close(rowSum, 1);
  }
  assert.throws(() => attentionRollout([a, randomAttention(1, 2, 2, random)]), /layer 1 is 2×2, expected 3×3/);
});

test('wordAttention takes, for each generated token, the cross-attention row of the step that produced it', () => {
  const capture = syntheticCapture();
  const words = wordAttention(capture, { layer: 1, head: 0 });
  assert.deepEqual(words.map((w) => w.word), ['a', 'red', 'square', '</s>']);
  assert.deepEqual(words.map((w) => w.position), [4, 5, 6, 7]);
  const cross = capture.decoderCross[1]!;
  const keys = cross.keys;
  for (const w of words) {
    assert.deepEqual(Array.from(w.weights), Array.from(cross.weights.subarray((w.position - 1) * keys, w.position * keys)));
    assert.deepEqual(Array.from(w.grid), Array.from(w.weights.subarray(0, 16)));
    close(w.rgbShare + w.expertShare, 1);
    close(w.rgbShare, w.grid.reduce((s, v) => s + v, 0), 1e-5);
  }
  // Through the ViT rollout the map is still a distribution over the encoder tokens.
  for (const w of wordAttention(capture, { throughRollout: true })) close(w.weights.reduce((s, v) => s + v, 0), 1, 1e-4);
  assert.throws(() => wordAttention(capture, { layer: 5 }), /no layer 5 \(recorded: 0, 1\)/);
});

test('a decoder that looks at one patch gives a grid with all its mass on that patch', () => {
  const capture = syntheticCapture();
  const keys = LAYOUT.rgbTokens + LAYOUT.latents;
  for (const m of capture.decoderCross) {
    m.weights.fill(0);
    for (let h = 0; h < m.heads; h++) for (let q = 0; q < m.queries; q++) m.weights[(h * m.queries + q) * keys + 6] = 1; // patch row 1, col 2
  }
  const [first] = wordAttention(capture);
  assert.equal(first!.grid[1 * 4 + 2], 1);
  assert.equal(first!.rgbShare, 1);
  assert.equal(modalityShares(capture).find((s) => s.layer === 'mean')!.experts, 0);
});

test('latentExpertReads splits each latent\'s resampler attention over [latents ; experts] and rows sum to 1', () => {
  const capture = syntheticCapture();
  const reads = latentExpertReads(capture);
  assert.deepEqual(reads.columns, ['latents', 'depth', 'seg_coco']);
  for (let q = 0; q < reads.latents; q++) close(reads.shares.subarray(q * 3, q * 3 + 3).reduce((s, v) => s + v, 0), 1);
  // Block 0, head 0, latent 2 by hand: keys 0-7 latents, 8-11 depth, 12-15 seg_coco.
  const one = latentExpertReads(capture, { block: 0, head: 0 });
  const row = capture.resampler[0]!.weights.subarray(2 * 16, 3 * 16);
  close(one.shares[2 * 3 + 1]!, row.subarray(8, 12).reduce((s, v) => s + v, 0));
  close(expertReadTotals(reads).reduce((s, t) => s + t.share, 0), 1);
});

test('maxRowSumError sees a row that does not sum to 1', () => {
  const m = randomAttention(2, 3, 4, seededRandom(9));
  assert.ok(maxRowSumError(m) < 1e-6);
  m.weights[5] += 0.01;
  close(maxRowSumError(m), 0.01, 1e-6);
});

test('upsampleGrid keeps constants, and each patch value sits over its patch', () => {
  assert.ok(upsampleGrid([2, 2, 2, 2], 2, 2, 5, 7).every((v) => Math.abs(v - 2) < 1e-6));
  const up = upsampleGrid([0, 1, 0, 0], 2, 2, 8, 8);
  assert.equal(up[0 * 8 + 7], 1); // top-right corner: inside patch (0, 1)
  assert.equal(up[7 * 8 + 0], 0);
  assert.ok(up[2 * 8 + 5]! > up[5 * 8 + 2]!);
});

test('displayToken turns byte-level BPE pieces into text', () => {
  assert.equal(displayToken('Ġpicture'), 'picture');
  assert.equal(displayToken('</s>'), '</s>');
});
