// rankAnswers over the official tiny decoder reproduces the recorded rank inference (answers, scores), both over
// the full decoder forward and over the cached decoder (question once, then each candidate's own tokens).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { PrismerTextDecoder } from '../../lib/model/decoder/index.js';
import { rankAnswers, type RankDecoder } from '../../lib/inference/rank.js';
import { reorderTextDecoderCache, type TextDecoderCache } from '../../lib/model/decoder/cache.js';
import { CONFIGS, TINY_DECODER, fixtureEncoderHidden, fixtureWeights, intRows, loadWeights, modelFixtures, useBackend } from '../model/prismer-fixtures.js';
import { flat, loadParityConfig, rows2d } from '../text/fixture-tensors.js';

describe('rank inference on the official tiny decoder', () => {
  before(() => useBackend('wasm'));
  for (const config of CONFIGS) {
    it(`${config}: VQA and caption rank choose the recorded candidates`, () => {
      const store = new ParameterStore(1);
      const decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
      loadWeights(store, fixtureWeights(config, 'safetensors'), 'text_decoder.');
      const encoder = fixtureEncoderHidden(config);
      const fixtures = modelFixtures(config);
      const { tensors, meta } = loadParityConfig(config);
      try {
        const paths: Array<[string, RankDecoder]> = [
          ['full', (ids, mask, enc) => decoder.forward(ids, enc, { attentionMask: mask }).logits],
          ['cached', { decoder, reorderCache: (cache, rows) => reorderTextDecoderCache(cache as TextDecoderCache, rows) }],
        ];
        for (const [path, rankDecoder] of paths) for (const kind of ['vqa_rank', 'cap_rank'] as const) {
          const start = { inputIds: intRows(fixtures, `${kind}.start_ids`), attentionMask: intRows(fixtures, `${kind}.start_attention_mask`) };
          const answers = { inputIds: intRows(fixtures, `${kind}.answer_ids`), attentionMask: intRows(fixtures, `${kind}.answer_attention_mask`) };
          const result = rankAnswers(rankDecoder, encoder, start, answers, { kTest: meta[kind].k_test, padId: 1, rowsPerChunk: 3 });
          assert.deepEqual(result.maxIds, meta[kind].max_ids, `${path} ${kind}`);
          if (kind === 'vqa_rank') assert.deepEqual(result.maxIds.map((i) => meta.vqa_rank.candidates[i]), meta.vqa_rank.answers);
          const prob = rows2d(tensors, `${kind}.prob_first_token`);
          result.probFirstToken.forEach((row, b) => row.forEach((p, c) => assert.ok(Math.abs(p - prob[b]![c]!) < 1e-6)));
          // Compare scores per candidate (column order differs only among exact first-token ties).
          const recordedTopk = rows2d(tensors, `${kind}.topk_ids`);
          const recordedSum = rows2d(tensors, `${kind}.log_probs_sum`);
          result.topkIds.forEach((ids, b) => ids.forEach((c, j) => {
            const column = recordedTopk[b]!.indexOf(c);
            assert.ok(column >= 0, `candidate ${c} kept`);
            assert.ok(Math.abs(result.logProbsSum[b]![j]! - recordedSum[b]![column]!) < 1e-4, `${path} ${kind} log_probs_sum of candidate ${c}`);
          }));
          assert.equal(flat(tensors, `${kind}.max_ids`).length, 2);
        }
      } finally {
        encoder.dispose();
        decoder.releaseCaches();
        store.dispose();
      }
    });
  }
});
