// Parity of the expert encoder with the official PyTorch code (test/fixtures/parity, MANIFEST §3, §7):
// every enc.* capture, encoder_out (seeded Python-random instance rows) and encoder_out_prescribed_rows,
// for the three fixture configs, on the cpu and wasm backends.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { EncoderCapture, ExpertEncoder, fixedInstanceRows, prismerExperts, pythonRandomInstanceRows } from '../../lib/model/encoder/index.js';
import { CONFIGS, TOLERANCE, disposeInputs, fixtureInputs, fixtureTensors, keysOf, loadFixtureWeights, maxAbsDiff, readMeta, useBackend } from './encoder-helpers.js';

const BACKENDS = ['cpu', 'wasm'] as const;

function buildTiny(experts: readonly string[]): { store: ParameterStore; encoder: ExpertEncoder } {
  const store = new ParameterStore(0);
  const encoder = new ExpertEncoder(store, 'expert_encoder', { width: 32, layers: 2, heads: 2, patchSize: 16, imageResolution: 96, experts: prismerExperts(experts) });
  return { store, encoder };
}

for (const config of CONFIGS) {
  test(`${config}: parameters are the official expert_encoder state_dict keys, in order`, () => {
    const { store } = buildTiny(readMeta(config).config_experts);
    assert.deepEqual(store.names(), keysOf(config).filter((k) => k.startsWith('expert_encoder.')));
    store.dispose();
  });
}

for (const backend of BACKENDS) {
  describe(`expert encoder parity on ${backend}`, () => {
    after(async () => {
      await useBackend('cpu');
    });

    for (const config of CONFIGS) {
      test(`${config}: captures and encoder_out within ${TOLERANCE}`, async () => {
        await useBackend(backend);
        assert.equal(tf.getBackend(), backend);
        const meta = readMeta(config);
        const { store, encoder } = buildTiny(meta.config_experts);
        loadFixtureWeights(store);
        const inputs = fixtureInputs(config);
        const expected = fixtureTensors(config);
        const capture = new EncoderCapture();
        const seed = meta.instance_rows_seeded?.python_random_seed ?? 2023;
        const out = encoder.apply(inputs, { capture, instanceRows: pythonRandomInstanceRows(seed) });
        const failures: string[] = [];
        const check = (name: string, actual: tf.Tensor) => {
          const diff = maxAbsDiff(actual, expected.get(name)!, name);
          if (!(diff <= TOLERANCE)) failures.push(`${name}: max |diff| ${diff}`);
        };
        check('encoder_out', out);
        const fixtureCaptures = [...expected.keys()].filter((n) => n.startsWith('enc.') && n !== 'enc.pos_embed_interpolated_6x6_to_4x4');
        for (const name of fixtureCaptures) {
          assert.ok(capture.tensors.has(name), `capture lacks ${name}`);
          check(name, capture.get(name));
        }
        if (config !== 'a_rgb') assert.ok(capture.tensors.has('enc.resampler_block3_out'));
        if (meta.instance_rows_prescribed) {
          const prescribed = encoder.apply(inputs, { instanceRows: fixedInstanceRows(meta.instance_rows_prescribed.mapping_instance_id_to_row) });
          check('encoder_out_prescribed_rows', prescribed);
          // The seeded and prescribed rows differ, so the instance embedding visibly matters.
          assert.ok(tf.max(tf.abs(tf.sub(prescribed, out))).dataSync()[0]! > 1e-3);
          prescribed.dispose();
        }
        assert.deepEqual(failures, []);
        out.dispose();
        capture.dispose();
        disposeInputs(inputs);
        store.dispose();
      });
    }
  });
}

test('c_rgb_all6: the interpolated positional embedding matches enc.pos_embed_interpolated_6x6_to_4x4', async () => {
  await useBackend('cpu');
  const { store } = buildTiny(readMeta('c_rgb_all6').config_experts);
  loadFixtureWeights(store);
  const { interpolatePosEmbed } = await import('../../lib/nn/interpolate.js');
  const resized = interpolatePosEmbed(store.get('expert_encoder.positional_embedding') as tf.Tensor2D, 16);
  assert.ok(maxAbsDiff(resized, fixtureTensors('c_rgb_all6').get('enc.pos_embed_interpolated_6x6_to_4x4')!, 'pos') <= 1e-5);
  resized.dispose();
  store.dispose();
});

test('without a capture the forward records nothing and leaks no tensors', async () => {
  await useBackend('cpu');
  const { store, encoder } = buildTiny(readMeta('c_rgb_all6').config_experts);
  loadFixtureWeights(store);
  const inputs = fixtureInputs('c_rgb_all6');
  encoder.apply(inputs).dispose(); // builds the transposed-weight cache (lib/nn/weight-matmul.ts)
  const before = tf.memory().numTensors;
  const out = encoder.apply(inputs, { instanceRows: pythonRandomInstanceRows(2023) });
  assert.equal(tf.memory().numTensors, before + 1);
  assert.deepEqual(out.shape, [100, 2, 32]);
  out.dispose();
  disposeInputs(inputs);
  store.dispose();
});

test('loading the official .pt checkpoints (lib/io) gives the same encoder_out, with no missing or extra encoder keys', async () => {
  await useBackend('wasm');
  const { readStateDict, loadStateDictInto } = await import('../../lib/io/index.js');
  for (const config of CONFIGS) {
    const meta = readMeta(config);
    const { store, encoder } = buildTiny(meta.config_experts);
    const path = `test/fixtures/parity/weights/prismer_tiny_${config}.pt`;
    const encoderPart = new Map([...readStateDict(path)].filter(([name]) => name.startsWith('expert_encoder.')));
    const report = loadStateDictInto(store.entries(), encoderPart, { source: path });
    assert.deepEqual([report.missing, report.unexpected, report.shapeMismatches], [[], [], []]);
    const inputs = fixtureInputs(config);
    const out = encoder.apply(inputs, { instanceRows: pythonRandomInstanceRows(2023) });
    assert.ok(maxAbsDiff(out, fixtureTensors(config).get('encoder_out')!, 'encoder_out') <= TOLERANCE);
    out.dispose();
    disposeInputs(inputs);
    store.dispose();
  }
});
