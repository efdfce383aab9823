// Full Prismer parity (expert encoder + text decoder from the raw fixture inputs), the official training
// losses of PrismerCaption / PrismerVQA, the rank-path decoder tensors, and the freeze modes.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { fixedInstanceRows } from '../../lib/model/encoder/instance-rows.js';
import { getModelSize } from '../../lib/model/sizes.js';
import { prismerConfigForSize, type DecoderTokenBatch } from '../../lib/model/prismer.js';
import { PrismerCaption } from '../../lib/model/prismer-caption.js';
import { PrismerVQA } from '../../lib/model/prismer-vqa.js';
import { disposeExpertInputs, expertInputsFromRecords } from '../../lib/model/prismer-inputs.js';
import type { TensorRecord } from '../../lib/io/tensor-record.js';
import {
  BACKENDS, CONFIGS, PARITY, TOLERANCE, fixtureEncoderHidden, fixtureWeights, floatTensor, intRows, maxAbsDiff, modelFixtures,
  modelInputs, useBackend, type FixtureConfig, type WeightSource,
} from './prismer-fixtures.js';

interface Meta {
  config_experts: string[];
  instance_rows_seeded?: { mapping_instance_id_to_row: Record<string, number> };
  instance_rows_prescribed?: { mapping_instance_id_to_row: Record<string, number> };
  vqa_train: { weights: number[]; loss: number };
  cap_train: { loss: number };
  vqa_rank: { k_test: number };
  cap_rank: { k_test: number };
}

const keysets = JSON.parse(readFileSync(`${PARITY}/weights/keysets.json`, 'utf8')) as { configs: Record<FixtureConfig, string[]> };

function meta(config: FixtureConfig): Meta {
  return JSON.parse(readFileSync(`${PARITY}/model/${config}/meta.json`, 'utf8')) as Meta;
}

/** The config's state_dict: its .pt, or its key subset of the superset safetensors. */
function stateDict(config: FixtureConfig, source: WeightSource): Map<string, TensorRecord> {
  const all = fixtureWeights(config, source);
  if (source === 'pt') return all;
  const keys = new Set(keysets.configs[config]);
  return new Map([...all].filter(([k]) => keys.has(k)));
}

function buildModel<T extends PrismerVQA | PrismerCaption>(Kind: new (...args: ConstructorParameters<typeof PrismerVQA>) => T, config: FixtureConfig, source: WeightSource, mapping?: Record<string, number>): T {
  const info = meta(config);
  const modelConfig = prismerConfigForSize(getModelSize('prismer_tiny'), info.config_experts, 96);
  if (mapping) modelConfig.encoder.instanceRows = fixedInstanceRows(mapping);
  const model = new Kind(modelConfig, { seed: 5 });
  const report = model.loadStateDict(stateDict(config, source), { source: `${config}.${source}` });
  assert.equal(report.missing.length + report.unexpected.length + report.shapeMismatches.length, 0);
  return model;
}

function batch(config: FixtureConfig, prefix: string): DecoderTokenBatch {
  const f = modelFixtures(config);
  const mask = f.has(`${prefix}.attention_mask`) ? `${prefix}.attention_mask` : `${prefix}.start_attention_mask`;
  return {
    inputIds: intRows(f, `${prefix}.input_ids`),
    attentionMask: intRows(f, mask),
    ...(f.has(`${prefix}.labels`) ? { labels: intRows(f, `${prefix}.labels`) } : {}),
  };
}

function within(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  const diff = maxAbsDiff(actual, expected);
  assert.ok(diff <= TOLERANCE, `${what}: max |diff| ${diff}`);
}

for (const backend of BACKENDS) {
  describe(`Prismer end-to-end parity on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const config of CONFIGS) {
      const sources: WeightSource[] = backend === 'cpu' ? ['safetensors', 'pt'] : ['safetensors'];
      for (const source of sources) {
        it(`${config} (${source}): encoder_out, logits and loss from the raw inputs`, () => {
          const info = meta(config);
          const fixtures = modelFixtures(config);
          const model = buildModel(PrismerVQA, config, source, info.instance_rows_seeded?.mapping_instance_id_to_row);
          const inputs = expertInputsFromRecords(modelInputs(), info.config_experts, 'inputs.safetensors');
          const out = model.forwardTeacherForced(inputs, batch(config, 'tf'));
          within(out.encoderOut, floatTensor(fixtures, 'encoder_out'), 'encoder_out');
          within(out.logits, floatTensor(fixtures, 'tf.logits'), 'tf.logits');
          within(out.lossPerSample!, floatTensor(fixtures, 'tf.loss_per_sample'), 'tf.loss_per_sample');
          tf.dispose([out.encoderOut, out.logits, out.lossPerSample!]);
          disposeExpertInputs(inputs);
          model.dispose();
        });
      }
    }

    it('c_rgb_all6: encoder_out_prescribed_rows with the injected instance-row mapping', () => {
      const info = meta('c_rgb_all6');
      const model = buildModel(PrismerVQA, 'c_rgb_all6', 'safetensors', info.instance_rows_prescribed!.mapping_instance_id_to_row);
      const inputs = expertInputsFromRecords(modelInputs(), info.config_experts);
      const encoded = model.encodeSequenceFirst(inputs);
      within(encoded, floatTensor(modelFixtures('c_rgb_all6'), 'encoder_out_prescribed_rows'), 'encoder_out_prescribed_rows');
      tf.dispose(encoded);
      disposeExpertInputs(inputs);
      model.dispose();
    });

    for (const config of CONFIGS) {
      it(`${config}: official VQA and caption training losses (decoder fed the fixture encoder_out)`, () => {
        const info = meta(config);
        const fixtures = modelFixtures(config);
        const vqa = buildModel(PrismerVQA, config, 'safetensors');
        const hidden = fixtureEncoderHidden(config);
        const v = vqa.vqaLossFromEncoding(hidden, batch(config, 'vqa_train'), info.vqa_train.weights);
        within(v.lossPerSample, floatTensor(fixtures, 'vqa_train.loss_per_sample'), 'vqa_train.loss_per_sample');
        within(v.loss.reshape([1]), floatTensor(fixtures, 'vqa_train.loss'), 'vqa_train.loss');
        assert.ok(Math.abs(v.loss.dataSync()[0]! - info.vqa_train.loss) <= TOLERANCE);
        tf.dispose([v.loss, v.lossPerSample]);
        vqa.dispose();

        const caption = buildModel(PrismerCaption, config, 'safetensors');
        const c = caption.captionLossFromEncoding(hidden, batch(config, 'cap_train'));
        within(c.lossPerSample, floatTensor(fixtures, 'cap_train.loss_per_sample'), 'cap_train.loss_per_sample');
        within(c.loss.reshape([1]), floatTensor(fixtures, 'cap_train.loss'), 'cap_train.loss');
        tf.dispose([c.loss, c.lossPerSample, hidden]);
        caption.dispose();
      });

      it(`${config}: VQA and caption rank from the raw inputs choose the official answers`, () => {
        const info = meta(config) as Meta & { vqa_rank: { candidates: string[]; answers: string[]; max_ids: number[] }; cap_rank: { max_ids: number[] } };
        const fixtures = modelFixtures(config);
        const inputs = expertInputsFromRecords(modelInputs(), info.config_experts);
        const tokens = (task: string, prefix: 'start' | 'answer'): { inputIds: number[][]; attentionMask: number[][] } => ({
          inputIds: intRows(fixtures, `${task}.${prefix === 'start' ? 'start_ids' : 'answer_ids'}`),
          attentionMask: intRows(fixtures, `${task}.${prefix}_attention_mask`),
        });
        const vqa = buildModel(PrismerVQA, config, 'safetensors', info.instance_rows_seeded?.mapping_instance_id_to_row);
        const v = vqa.rank(inputs, tokens('vqa_rank', 'start'), tokens('vqa_rank', 'answer'), info.vqa_rank.k_test);
        assert.deepEqual(v.maxIds, intRows(fixtures, 'vqa_rank.max_ids').map((r) => r[0]));
        assert.deepEqual(v.maxIds.map((i) => info.vqa_rank.candidates[i]), info.vqa_rank.answers);
        within(tf.tensor(v.probFirstToken), floatTensor(fixtures, 'vqa_rank.prob_first_token'), 'vqa_rank.prob_first_token');
        vqa.dispose();
        const caption = buildModel(PrismerCaption, config, 'safetensors', info.instance_rows_seeded?.mapping_instance_id_to_row);
        const c = caption.rank(inputs, tokens('cap_rank', 'start'), tokens('cap_rank', 'answer'), info.cap_rank.k_test);
        assert.deepEqual(c.maxIds, info.cap_rank.max_ids);
        // Candidates sharing a first token tie in topk; compare log_probs_sum per candidate id.
        const expectedTopk = intRows(fixtures, 'cap_rank.topk_ids');
        const expectedScores = (floatTensor(fixtures, 'cap_rank.log_probs_sum').arraySync() as number[][]);
        c.topkIds.forEach((ids, b) => ids.forEach((candidate, j) => {
          const column = expectedTopk[b]!.indexOf(candidate);
          assert.ok(Math.abs(c.logProbsSum[b]![j]! - expectedScores[b]![column]!) <= TOLERANCE, `cap_rank log_probs_sum ${b}/${candidate}`);
        }));
        caption.dispose();
        disposeExpertInputs(inputs);
      });

      it(`${config}: rank-path decoder tensors (start logits at the last column, step-2 loss per row)`, () => {
        const fixtures = modelFixtures(config);
        const model = buildModel(PrismerVQA, config, 'safetensors');
        const hidden = fixtureEncoderHidden(config);
        for (const task of ['vqa_rank', 'cap_rank'] as const) {
          const k = meta(config)[task].k_test;
          const start = model.decode(hidden, { inputIds: intRows(fixtures, `${task}.start_ids`), attentionMask: intRows(fixtures, `${task}.start_attention_mask`) });
          const [b, t, v] = start.logits.shape;
          const last = start.logits.slice([0, t - 1, 0], [b, 1, v]).reshape([b, v]);
          within(last, floatTensor(fixtures, `${task}.start_logits_last`), `${task}.start_logits_last`);
          // tile(encoder, 0, k) == repeat_interleave: each sample's encoding k times in a row.
          const tiled = tf.gather(hidden, tf.tensor1d(Array.from({ length: b * k }, (_, i) => Math.floor(i / k)), 'int32')) as tf.Tensor3D;
          const step2 = model.decode(tiled, batch(config, task));
          within(step2.lossPerSample!, floatTensor(fixtures, `${task}.loss_per_row`), `${task}.loss_per_row`);
          const labels = intRows(fixtures, `${task}.labels`);
          const counts = tf.tensor1d(labels.map((r) => r.filter((l) => l !== -100).length));
          const logProbsSum = tf.div(tf.neg(step2.lossPerSample!), counts).reshape([b, k]);
          within(logProbsSum, floatTensor(fixtures, `${task}.log_probs_sum`), `${task}.log_probs_sum`);
          tf.dispose([start.logits, last, tiled, step2.logits, step2.lossPerSample!, counts, logProbsSum]);
        }
        hidden.dispose();
        model.dispose();
      });
    }
  });
}

describe('Prismer freeze modes', () => {
  before(() => useBackend('cpu'));

  const trainableNames = (model: PrismerVQA): string[] => model.store.entries().filter(([name, v]) => v.trainable && !model.store.isBuffer(name)).map(([n]) => n);

  it('select exactly the parameters the official prepare_to_train freezes', () => {
    const model = new PrismerVQA(prismerConfigForSize(getModelSize('prismer_tiny'), meta('c_rgb_all6').config_experts, 96));
    const parameters = model.store.names().filter((n) => !model.store.isBuffer(n));
    assert.deepEqual(trainableNames(model), parameters, "'none' trains everything");

    model.setFreezeMode('freeze_lang');
    const frozenLang = parameters.filter((n) => !trainableNames(model).includes(n));
    // Every decoder layer's self-attention and FFN (12 tensors per layer); not cross-attention, adaptors,
    // embeddings, output_layer or the LM head.
    assert.equal(frozenLang.length, 2 * 16);
    assert.ok(frozenLang.every((n) => /^text_decoder\.roberta\.encoder\.layer\.\d+\.0\.(attention|intermediate|output)\./.test(n)));
    assert.ok(trainableNames(model).includes('text_decoder.roberta.encoder.layer.0.1.self.query.weight'));
    assert.ok(trainableNames(model).includes('text_decoder.roberta.encoder.layer.1.2.adaptor_ln.weight'));
    assert.ok(trainableNames(model).includes('text_decoder.roberta.encoder.output_layer.attention.self.query.weight'));

    model.setFreezeMode('freeze_vision');
    const frozenVision = parameters.filter((n) => !trainableNames(model).includes(n));
    assert.ok(frozenVision.length > 0);
    assert.ok(frozenVision.every((n) => n.startsWith('expert_encoder.transformer.resblocks.') && /\.0\./.test(n) && !n.includes('adaptor')));
    assert.ok(trainableNames(model).some((n) => n.startsWith('expert_encoder.transformer.resblocks.0.1.adaptor')));
    assert.ok(trainableNames(model).includes('expert_encoder.positional_embedding'));
    assert.ok(trainableNames(model).some((n) => n.startsWith('expert_encoder.resampler.')));

    model.setFreezeMode('freeze_lang_vision');
    const frozenBoth = parameters.filter((n) => !trainableNames(model).includes(n));
    assert.deepEqual(new Set(frozenBoth), new Set([...frozenLang, ...frozenVision]));
    assert.equal(model.freezeMode, 'freeze_lang_vision');
    assert.ok(model.store.entries().filter(([n]) => model.store.isBuffer(n)).every(([, v]) => !v.trainable), 'buffers never train');
    assert.throws(() => model.setFreezeMode('freeze_all' as never), /freeze mode 'freeze_all' is not one of/);
    model.dispose();
  });

  for (const backend of BACKENDS) it(`on ${backend}: a frozen parameter gets no gradient from the training loss; trainable ones do`, async () => {
    await useBackend(backend);
    const config: FixtureConfig = 'a_rgb';
    const model = buildModel(PrismerCaption, config, 'safetensors');
    model.setFreezeMode('freeze_lang_vision');
    const inputs = expertInputsFromRecords(modelInputs(), [], 'inputs.safetensors');
    const { grads, value } = tf.variableGrads(() => model.captionLoss(inputs, batch(config, 'cap_train')).loss, model.store.trainableVariables());
    const names = new Map(model.store.entries().map(([n, v]) => [v.name, n]));
    const graded = Object.keys(grads).map((k) => names.get(k));
    assert.ok(!graded.includes('text_decoder.roberta.encoder.layer.0.0.attention.self.query.weight'));
    assert.ok(!graded.includes('expert_encoder.transformer.resblocks.0.0.attn.in_proj_weight'));
    const word = grads[model.store.get('text_decoder.roberta.embeddings.word_embeddings.weight').name]!;
    assert.ok(tf.sum(tf.abs(word)).dataSync()[0]! > 0, 'tied word embeddings receive gradient');
    within(value.reshape([1]), floatTensor(modelFixtures(config), 'cap_train.loss'), 'loss under variableGrads');
    tf.dispose([value, ...Object.values(grads)]);
    disposeExpertInputs(inputs);
    model.dispose();
    await useBackend('cpu');
  });
});
