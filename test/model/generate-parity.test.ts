// generate() on the parity fixtures' tiny Prismer decoder (official weights, recorded encoder output):
// greedy ids equal the official recording; beam search with one beam equals greedy; the KV-cached path
// equals the full re-forward path for caption beam search and for right-padded VQA questions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { PrismerTextDecoder, reorderTextDecoderCache } from '../../lib/model/decoder/index.js';
import { beamSearch, CAPTION_GENERATION, generate, vqaGeneration } from '../../lib/model/generate.js';
import type { GenerationModel } from '../../lib/model/beam-search-steps.js';
import { CONFIGS, TINY_DECODER, fixtureEncoderHidden, fixtureWeights, intRows, loadWeights, modelFixtures, useBackend } from './prismer-fixtures.js';

function models(decoder: PrismerTextDecoder): { cached: GenerationModel; full: GenerationModel } {
  const withEncoder = <T>(enc: tf.Tensor3D, body: () => T): T => decoder.withCrossAttentionCache(enc, body);
  return {
    cached: { kind: 'cached', decoder, acceptsPromptMask: true, reorderCache: reorderTextDecoderCache, withEncoder },
    full: { kind: 'full', forward: (ids, mask, enc) => decoder.forward(ids, enc, { attentionMask: mask }).logits, withEncoder },
  };
}

const ROBERTA = { eosTokenId: 2, padTokenId: 1 };

describe('generate on the official tiny decoder', () => {
  before(() => useBackend('wasm'));

  for (const config of CONFIGS) {
    describe(config, () => {
      let store: ParameterStore;
      let decoder: PrismerTextDecoder;
      let encoder: tf.Tensor3D;
      before(() => {
        store = new ParameterStore(1);
        decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
        loadWeights(store, fixtureWeights(config, 'safetensors'), 'text_decoder.');
        encoder = fixtureEncoderHidden(config);
      });
      after(() => {
        encoder.dispose();
        decoder.releaseCaches();
        store.dispose();
      });

      it('greedy ids equal the recording on both paths, and one beam equals greedy', () => {
        const fixtures = modelFixtures(config);
        const prefix = intRows(fixtures, 'greedy.prefix_ids');
        const mask = prefix.map((r) => r.map(() => 1));
        const expected = intRows(fixtures, 'greedy.ids');
        const { cached, full } = models(decoder);
        for (const model of [cached, full]) {
          const out = generate(model, prefix, mask, encoder, { maxLength: expected[0]!.length, ...ROBERTA });
          assert.deepEqual(out.sequences, expected);
          const oneBeam = beamSearch(model, prefix, mask, encoder, { numBeams: 1, maxLength: expected[0]!.length, minLength: 0, lengthPenalty: 1, earlyStopping: false, ...ROBERTA });
          assert.deepEqual(oneBeam.sequences, expected);
        }
      });

      // The two cached-vs-full comparisons run on one config to keep the suite fast; ids are checked on all three.
      const heavy = (name: string, body: () => void): void => {
        if (config === 'a_rgb') it(name, body);
      };
      heavy('caption beam search (3 beams, max 20, min 8): cached equals full re-forward', () => {
        const fixtures = modelFixtures(config);
        const prefix = intRows(fixtures, 'greedy.prefix_ids');
        const mask = prefix.map((r) => r.map(() => 1));
        const { cached, full } = models(decoder);
        const a = generate(cached, prefix, mask, encoder, { ...CAPTION_GENERATION, ...ROBERTA });
        const b = generate(full, prefix, mask, encoder, { ...CAPTION_GENERATION, ...ROBERTA });
        assert.deepEqual(a.sequences, b.sequences);
        a.sequenceScores.forEach((s, i) => assert.ok(Math.abs(s - b.sequenceScores[i]!) < 1e-4));
        for (const row of a.sequences) {
          assert.deepEqual(row.slice(0, 4), prefix[0]);
          const eos = row.indexOf(2);
          assert.ok(eos === -1 || eos >= CAPTION_GENERATION.minLength, 'no EOS before min_length');
          assert.ok(row.length <= CAPTION_GENERATION.maxLength);
        }
      });

      heavy('VQA generate with right-padded questions: cached (masked) equals full re-forward', () => {
        const fixtures = modelFixtures(config);
        const questions = intRows(fixtures, 'vqa_rank.start_ids');
        const mask = intRows(fixtures, 'vqa_rank.start_attention_mask');
        assert.ok(mask[1]!.includes(0), 'the fixture batch has a padded question');
        const { cached, full } = models(decoder);
        const options = { ...vqaGeneration(questions[0]!.length), ...ROBERTA };
        const a = generate(cached, questions, mask, encoder, options);
        const b = generate(full, questions, mask, encoder, options);
        assert.deepEqual(a.sequences, b.sequences);
        a.sequenceScores.forEach((s, i) => assert.ok(Math.abs(s - b.sequenceScores[i]!) <= 1e-5 * Math.abs(s), `score ${s} vs ${b.sequenceScores[i]}`));
      });
    });
  }
});
