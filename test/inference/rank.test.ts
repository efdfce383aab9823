import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildRankBatch, firstTokenProbabilities, rankAnswers, rankScores, topKIndices } from '../../lib/inference/rank.js';
import { labelSmoothedLossPerRow } from '../../lib/inference/smoothed-loss.js';
import { concatQuestionAnswer } from '../../lib/text/prompts.js';
import type { TokenBatch } from '../../lib/text/batch.js';
import { flat, loadParityConfig, PARITY_CONFIGS, rows2d } from '../text/fixture-tensors.js';
import { seededMatrix, ToyDecoder } from '../model/generate-toy-decoder.js';

function close(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tolerance, `${what}[${i}]: ${a} vs ${expected[i]}`));
}

for (const config of PARITY_CONFIGS) {
  const { tensors, meta } = loadParityConfig(config);

  for (const kind of ['vqa_rank', 'cap_rank'] as const) {
    test(`${kind} arithmetic reproduces the official recording (${config})`, () => {
      const start: TokenBatch = { inputIds: rows2d(tensors, `${kind}.start_ids`), attentionMask: rows2d(tensors, `${kind}.start_attention_mask`) };
      const answers: TokenBatch = { inputIds: rows2d(tensors, `${kind}.answer_ids`), attentionMask: rows2d(tensors, `${kind}.answer_attention_mask`) };
      const k = meta[kind].k_test as number;
      const logits = tf.tensor2d(flat(tensors, `${kind}.start_logits_last`), [2, 1000]);
      const prob = firstTokenProbabilities(logits, answers.inputIds.map((r) => r[0]!));
      logits.dispose();
      const expectedProb = rows2d(tensors, `${kind}.prob_first_token`);
      prob.forEach((row, b) => close(row, expectedProb[b]!, 1e-7, `${kind}.prob_first_token`));

      const recordedTopk = rows2d(tensors, `${kind}.topk_ids`);
      const ours = topKIndices(expectedProb, k);
      recordedTopk.forEach((row, b) => {
        assert.deepEqual([...ours[b]!].sort(), [...row].sort(), 'same candidates kept');
        // Order may differ only inside groups of exactly tied probabilities.
        ours[b]!.forEach((c, j) => assert.equal(expectedProb[b]![c], expectedProb[b]![row[j]!]));
        // Our documented tie rule: lower index first among equal probabilities.
        for (let j = 1; j < ours[b]!.length; j++) {
          const [p, q] = [ours[b]![j - 1]!, ours[b]![j]!];
          assert.ok(expectedProb[b]![p]! > expectedProb[b]![q]! || p < q);
        }
      });

      const batch = buildRankBatch(start, answers, recordedTopk, 1);
      assert.deepEqual(batch.inputIds, rows2d(tensors, `${kind}.input_ids`));
      assert.deepEqual(batch.attentionMask, rows2d(tensors, `${kind}.attention_mask`));
      assert.deepEqual(batch.labels, rows2d(tensors, `${kind}.labels`));

      const { logProbsSum, maxIds } = rankScores(flat(tensors, `${kind}.loss_per_row`), batch.labels, recordedTopk);
      const expectedSum = rows2d(tensors, `${kind}.log_probs_sum`);
      logProbsSum.forEach((row, b) => assert.deepEqual(row, expectedSum[b]));
      assert.deepEqual(maxIds, flat(tensors, `${kind}.max_ids`));
      assert.deepEqual(maxIds, meta[kind].max_ids);
    });
  }

  test(`label-smoothed summed loss equals the decoder's loss_per_sample (${config})`, () => {
    const logits = tf.tensor3d(flat(tensors, 'tf.logits'), [2, 10, 1000]);
    const loss = labelSmoothedLossPerRow(logits, rows2d(tensors, 'tf.labels'));
    logits.dispose();
    close(Array.from(loss), flat(tensors, 'tf.loss_per_sample'), 1e-4, 'loss');
  });
}

test('rankAnswers over a decoder forward equals scoring every candidate one by one, in any chunking', () => {
  const vocab = 10;
  const toy = new ToyDecoder({ table: seededMatrix(3, vocab, vocab, -3, 3), bagWeight: seededMatrix(5, vocab, vocab, -1, 1), posWeight: seededMatrix(9, 16, vocab, -2, 2), encWeight: seededMatrix(21, 2, vocab, -2, 2) });
  const enc = tf.tensor3d([0.5, -1, 1, 0.25, -0.5, 2, 1.5, 0], [2, 2, 2]);
  try {
    const start: TokenBatch = { inputIds: [[0, 5, 6, 7], [0, 8, 1, 1]], attentionMask: [[1, 1, 1, 1], [1, 1, 0, 0]] };
    const answers: TokenBatch = { inputIds: [[3, 2, 1], [4, 9, 2], [3, 6, 2], [7, 2, 1], [9, 2, 1]], attentionMask: [[1, 1, 0], [1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 1, 0]] };
    const all = rankAnswers(toy.forward, enc, start, answers, { kTest: 5, padId: 1, rowsPerChunk: 3 });
    const oneByOne = rankAnswers(toy.forward, enc, start, answers, { kTest: 5, padId: 1, rowsPerChunk: 1 });
    assert.deepEqual(oneByOne, all);
    for (let b = 0; b < 2; b++) {
      const encRow = enc.slice([b, 0, 0], [1, 2, 2]) as tf.Tensor3D;
      const scores = answers.inputIds.map((_, c) => {
        const single = concatQuestionAnswer(1, { inputIds: [start.inputIds[b]!], attentionMask: [start.attentionMask[b]!] }, { inputIds: [answers.inputIds[c]!], attentionMask: [answers.attentionMask[c]!] });
        const ids = tf.tensor2d(single.inputIds, undefined, 'int32');
        const mask = tf.tensor2d(single.attentionMask, undefined, 'int32');
        const logits = toy.forward(ids, mask, encRow);
        const loss = labelSmoothedLossPerRow(logits, single.labels)[0]!;
        tf.dispose([ids, mask, logits]);
        return Math.fround(-loss / single.labels[0]!.filter((y) => y !== -100).length);
      });
      all.topkIds[b]!.forEach((c, j) => assert.ok(Math.abs(all.logProbsSum[b]![j]! - scores[c]!) < 1e-5));
      const best = scores.indexOf(Math.max(...scores));
      assert.equal(all.maxIds[b], best);
      encRow.dispose();
    }
    // k smaller than the list keeps the candidates with the most likely first token.
    const top2 = rankAnswers(toy.forward, enc, start, answers, { kTest: 2, padId: 1 });
    assert.deepEqual(top2.topkIds, topKIndices(all.probFirstToken, 2));
    assert.ok(top2.topkIds.every((ids, b) => ids.includes(top2.maxIds[b]!)));
  } finally {
    toy.dispose();
    enc.dispose();
  }
});
