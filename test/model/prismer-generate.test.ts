// Generation through the Prismer wrappers: greedy ids of the fixtures from raw inputs, and the cached
// (KV cache with padding state) and full re-forward paths agreeing on beam search over padded questions.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixedInstanceRows } from '../../lib/model/encoder/instance-rows.js';
import { getModelSize } from '../../lib/model/sizes.js';
import { prismerConfigForSize } from '../../lib/model/prismer.js';
import { PrismerVQA } from '../../lib/model/prismer-vqa.js';
import { PrismerCaption } from '../../lib/model/prismer-caption.js';
import { disposeExpertInputs, expertInputsFromRecords } from '../../lib/model/prismer-inputs.js';
import { PARITY, fixtureWeights, intRows, modelFixtures, modelInputs, useBackend } from './prismer-fixtures.js';

const config = 'c_rgb_all6';
const meta = JSON.parse(readFileSync(`${PARITY}/model/${config}/meta.json`, 'utf8')) as {
  config_experts: string[]; instance_rows_seeded: { mapping_instance_id_to_row: Record<string, number> };
};

function build<T extends PrismerVQA | PrismerCaption>(Kind: new (...args: ConstructorParameters<typeof PrismerVQA>) => T): T {
  const modelConfig = prismerConfigForSize(getModelSize('prismer_tiny'), meta.config_experts, 96);
  modelConfig.encoder.instanceRows = fixedInstanceRows(meta.instance_rows_seeded.mapping_instance_id_to_row);
  const model = new Kind(modelConfig);
  model.loadStateDict(fixtureWeights(config, 'pt'));
  return model;
}

describe('Prismer generation', () => {
  before(() => useBackend('wasm'));

  it('greedy search from the raw inputs gives the fixture greedy ids on both decoder paths', () => {
    const model = build(PrismerCaption);
    const inputs = expertInputsFromRecords(modelInputs(), meta.config_experts);
    const fixtures = modelFixtures(config);
    const prefix = intRows(fixtures, 'greedy.prefix_ids');
    const expected = intRows(fixtures, 'greedy.ids');
    assert.ok(expected.every((r) => !r.includes(2)), 'no EOS in the fixture run, so HF greedy does not stop early');
    for (const path of ['cached', 'full'] as const) {
      const out = model.generateFrom(inputs, { inputIds: prefix, attentionMask: prefix.map((r) => r.map(() => 1)) }, { numBeams: 1, maxLength: expected[0]!.length }, path);
      assert.deepEqual(out.sequences, expected, path);
    }
    disposeExpertInputs(inputs);
    model.dispose();
  });

  it('beam search over right-padded questions: the KV-cache path equals the official full re-forward', () => {
    const model = build(PrismerVQA);
    const inputs = expertInputsFromRecords(modelInputs(), meta.config_experts);
    const fixtures = modelFixtures(config);
    const questions = { inputIds: intRows(fixtures, 'vqa_rank.start_ids'), attentionMask: intRows(fixtures, 'vqa_rank.start_attention_mask') };
    assert.ok(questions.attentionMask.some((r) => r.includes(0)), 'a question is padded');
    const cached = model.generateAnswers(inputs, questions, 'cached');
    const full = model.generateAnswers(inputs, questions, 'full');
    assert.deepEqual(cached.sequences, full.sequences);
    cached.sequenceScores.forEach((s, i) => assert.ok(Math.abs(s - full.sequenceScores[i]!) <= 1e-4, `score ${i}`));
    assert.ok(cached.sequences.every((r) => r.length > questions.inputIds[0]!.length));
    disposeExpertInputs(inputs);
    model.dispose();
  });
});
