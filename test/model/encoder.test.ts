import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../../lib/nn/parameters.js';
import {
  EncoderCapture, ExpertEncoder, PythonRandom, expertDomain, sinCosPositions, fixedInstanceRows, prismerExperts, pythonRandomInstanceRows,
  type ExpertDomain, type EncoderInputs,
} from '../../lib/model/encoder/index.js';
import { disposeInputs, fixtureInputs, readMeta, useBackend } from './encoder-helpers.js';

// Forward-only tests run on wasm (fast); the gradient test on cpu (wasm lacks some gradient kernels
// until lib/backend registers its fallbacks).

function tiny(experts: readonly ExpertDomain[], seed = 1): { store: ParameterStore; encoder: ExpertEncoder } {
  const store = new ParameterStore(seed);
  const encoder = new ExpertEncoder(store, 'expert_encoder', { width: 32, layers: 2, heads: 2, patchSize: 16, imageResolution: 96, experts });
  return { store, encoder };
}

test('PythonRandom reproduces CPython random.seed / randint', () => {
  // Reference values printed by CPython 3.11: random.seed(s); [random.randint(0, 127) for _ in range(8)]
  const expected: Record<number, number[]> = {
    2023: [98, 114, 99, 81, 86, 25, 31, 77],
    0: [98, 107, 10, 66, 124, 103, 77, 122],
    123456789012: [96, 5, 67, 35, 106, 51, 37, 114],
  };
  for (const [seed, draws] of Object.entries(expected)) {
    const random = new PythonRandom(Number(seed));
    assert.deepEqual(Array.from({ length: 8 }, () => random.randint(0, 127)), draws);
  }
  const random = new PythonRandom(1);
  for (let i = 0; i < 8; i++) random.randint(0, 127);
  assert.equal(random.randint(0, 1000000), 827036);
});

test('the seeded default mapper reproduces the fixture draws, one per sorted unique id incl. 255', () => {
  const meta = readMeta('c_rgb_all6') as unknown as { instance_rows_seeded: { randint_draws_in_order: number[]; mapping_instance_id_to_row: Record<string, number> } };
  const rows = pythonRandomInstanceRows(2023)([0, 1, 2, 3, 4, 255]);
  assert.deepEqual(rows, meta.instance_rows_seeded.randint_draws_in_order);
  assert.throws(() => fixedInstanceRows({ 0: 3 })([0, 7]), /instance id 7 has no row/);
  assert.throws(() => fixedInstanceRows({ 0: 128 }), /row 128/);
});

test('ids that vanish in the nearest downsampling still consume a draw', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(prismerExperts(readMeta('c_rgb_all6').config_experts));
  const inputs = fixtureInputs('c_rgb_all6');
  const seen: number[][] = [];
  const out = encoder.apply(inputs, { instanceRows: (ids) => { seen.push([...ids]); return ids.map((id) => id % 128); } });
  // Instance 4 is a single pixel of sample 0 that the 64 → 4 downsampling drops.
  assert.deepEqual(seen, [[0, 1, 2, 3, 4, 255]]);
  out.dispose();
  disposeInputs(inputs);
  store.dispose();
});

test('the default instance-row stream advances across calls like the official global random', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(prismerExperts(readMeta('c_rgb_all6').config_experts));
  const inputs = fixtureInputs('c_rgb_all6');
  const [first, second] = [encoder.apply(inputs), encoder.apply(inputs)];
  const fresh = encoder.apply(inputs, { instanceRows: pythonRandomInstanceRows(2023) });
  assert.ok(tf.max(tf.abs(tf.sub(first, second))).dataSync()[0]! > 1e-4);
  assert.equal(tf.max(tf.abs(tf.sub(first, fresh))).dataSync()[0], 0);
  tf.dispose([first, second, fresh]);
  disposeInputs(inputs);
  store.dispose();
});

test('prismerExperts follows Prismer.__init__: rgb first, seg_* → seg, none → PrismerZ', () => {
  assert.deepEqual(prismerExperts(['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection']), ['rgb', 'depth', 'normal', 'seg', 'edge', 'obj_detection', 'ocr_detection']);
  assert.deepEqual(prismerExperts(['none']), ['rgb']);
  assert.deepEqual(prismerExperts(['seg_ade', 'depth', 'seg_coco']), ['rgb', 'seg', 'depth']);
  assert.equal(expertDomain('seg_ade'), 'seg');
  assert.equal(expertDomain('caption'), undefined);
});

test('PrismerZ (rgb only) has no resampler or instance embedding and returns the rgb tokens', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(['rgb']);
  assert.ok(!store.names().some((n) => n.includes('resampler') || n.includes('instance_embedding')));
  assert.equal(encoder.outputLength(96), 36);
  const rgb = tf.randomNormal([3, 3, 96, 96], 0, 1, 'float32', 4) as tf.Tensor4D;
  const out = encoder.apply({ rgb });
  assert.deepEqual(out.shape, [36, 3, 32]);
  assert.throws(() => encoder.apply({ rgb, depth: tf.zeros([3, 1, 64, 64]) as tf.Tensor4D }), /input 'depth' has no stem; this encoder has experts rgb/);
  tf.dispose([rgb, out]);
  store.dispose();
});

test('sinCosPositions: rows in the first half of the channels, columns in the second, at the random init\'s spread', () => {
  const table = sinCosPositions(3, 8);
  const at = (row: number, col: number) => Array.from(table.subarray((row * 3 + col) * 8, (row * 3 + col + 1) * 8));
  const s = Math.SQRT2 / Math.sqrt(8);
  // frequencies 1 and 1/100 (width/4 = 2): [sin(r), sin(r/100), cos(r), cos(r/100), sin(c), sin(c/100), cos(c), cos(c/100)]
  const expected = (r: number, c: number) => [Math.sin(r), Math.sin(r / 100), Math.cos(r), Math.cos(r / 100), Math.sin(c), Math.sin(c / 100), Math.cos(c), Math.cos(c / 100)].map((v) => v * s);
  for (const [r, c] of [[0, 0], [1, 2], [2, 1]] as const) at(r, c).forEach((v, i) => assert.ok(Math.abs(v - expected(r, c)[i]!) < 1e-6, `(${r}, ${c}) channel ${i}`));
  assert.throws(() => sinCosPositions(3, 6), /width 6 is not divisible by 4/);
});

test('initStructured: the sine-cosine positions, and a trunk that passes its input through unchanged', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(['rgb', 'depth']);
  const before = tf.memory().numTensors;
  encoder.initStructured();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  const positional = store.get('expert_encoder.positional_embedding').dataSync();
  assert.deepEqual(Array.from(positional), Array.from(sinCosPositions(6, 32)));
  const x = tf.randomNormal([40, 2, 32], 0, 1, 'float32', 5) as tf.Tensor3D;
  const out = encoder.trunk.apply(x);
  assert.ok(tf.max(tf.abs(tf.sub(out, x))).dataSync()[0]! === 0, 'identity trunk');
  tf.dispose([x, out]);
  store.dispose();
});

test('a seg_ade input uses the seg stem; the resampler sees experts in input order', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(['rgb', 'depth', 'seg']);
  assert.equal(encoder.outputLength(96), 100);
  const rgb = tf.randomNormal([1, 3, 96, 96], 0, 1, 'float32', 1) as tf.Tensor4D;
  const depth = tf.randomUniform([1, 1, 64, 64], -1, 1, 'float32', 2) as tf.Tensor4D;
  const seg = tf.randomNormal([1, 64, 64, 64], 0, 1, 'float32', 3) as tf.Tensor4D;
  const a = new EncoderCapture();
  const b = new EncoderCapture();
  const outA = encoder.apply({ rgb, depth, seg_ade: seg }, { capture: a });
  const outB = encoder.apply({ rgb, seg_ade: seg, depth }, { capture: b });
  const inA = a.get('enc.resampler_input');
  const inB = b.get('enc.resampler_input');
  assert.deepEqual(inA.shape, [32, 1, 32]);
  const swapped = tf.concat([tf.slice(inB, [16, 0, 0], [16, 1, 32]), tf.slice(inB, [0, 0, 0], [16, 1, 32])], 0);
  assert.equal(tf.max(tf.abs(tf.sub(inA, swapped))).dataSync()[0], 0);
  assert.deepEqual(a.get('enc.stem.seg').shape, [1, 32, 4, 4]);
  tf.dispose([rgb, depth, seg, outA, outB, swapped]);
  a.dispose();
  b.dispose();
  store.dispose();
});

test('bad inputs give one-line errors naming the entry', async () => {
  await useBackend('wasm');
  const { store, encoder } = tiny(['rgb', 'depth', 'obj_detection']);
  const rgb = tf.zeros([1, 3, 96, 96]) as tf.Tensor4D;
  const depth = tf.zeros([1, 1, 64, 64]) as tf.Tensor4D;
  const inputs: Array<[EncoderInputs, RegExp]> = [
    [{ depth }, /inputs have no 'rgb' entry \(got depth\)/],
    [{ rgb: tf.zeros([1, 3, 64, 64]) as tf.Tensor4D }, /rgb gives 4x4 patches but the positional embedding has 36 rows \(image_resolution 96\)/],
    [{ rgb, depth: tf.zeros([1, 3, 64, 64]) as tf.Tensor4D }, /conv1\.depth: input has shape \[1, 3, 64, 64\], expected \[B, 1, H, W\] \(NCHW\)/],
    [{ rgb, depth: tf.zeros([1, 1, 64, 32]) as tf.Tensor4D }, /expert 'depth' gives a 4x2 token grid/],
    [{ rgb, obj_detection: tf.zeros([1, 64, 64, 64]) as tf.Tensor4D }, /input 'obj_detection' must be \{ label: \[B, 64, H, W\], instance: \[B, 1, H, W\] \}/],
    [{ rgb, obj_detection: { label: tf.zeros([1, 64, 64, 64]) as tf.Tensor4D, instance: tf.zeros([2, 1, 64, 64], 'int32') as tf.Tensor4D } }, /obj_detection\.instance has shape \[2, 1, 64, 64\], expected \[1, 1, H, W\]/],
  ];
  for (const [input, message] of inputs) assert.throws(() => encoder.apply(input), message);
  assert.throws(() => encoder.apply({ rgb, obj_detection: { label: tf.zeros([1, 64, 64, 64]) as tf.Tensor4D, instance: tf.zeros([1, 1, 64, 64], 'int32') as tf.Tensor4D } }, { instanceRows: () => [200] }), /returned \[200\] for ids \[0\]/);
  assert.throws(() => new ExpertEncoder(new ParameterStore(0), 'e', { width: 30, layers: 1, heads: 4, patchSize: 16, imageResolution: 96, experts: ['rgb'] }), /width 30 is not divisible by 4 heads/);
  assert.throws(() => new ExpertEncoder(new ParameterStore(0), 'e', { width: 32, layers: 1, heads: 2, patchSize: 16, imageResolution: 96, experts: ['depth'] }), /lacks 'rgb'/);
  store.dispose();
});

test('gradients reach every trainable parameter through stems, interpolation, instance rows and resampler', async () => {
  await useBackend('cpu');
  const { store, encoder } = tiny(prismerExperts(readMeta('c_rgb_all6').config_experts), 3);
  const inputs = fixtureInputs('c_rgb_all6');
  const target = tf.randomNormal([100, 2, 32], 0, 1, 'float32', 11);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.apply(inputs, { training: true, instanceRows: pythonRandomInstanceRows(2023) }), target)) as tf.Scalar, store.trainableVariables());
  const names = new Map(store.entries().map(([name, v]) => [v.name, name]));
  const zero: string[] = [];
  for (const [id, grad] of Object.entries(grads)) {
    if (tf.max(tf.abs(grad)).dataSync()[0] === 0) zero.push(names.get(id) ?? id);
  }
  assert.equal(Object.keys(grads).length, store.trainableVariables().length);
  assert.deepEqual(zero, []);
  // Training-mode BatchNorm advanced its counters.
  assert.equal(store.get('expert_encoder.conv1.depth.2.num_batches_tracked').dataSync()[0], 1);
  tf.dispose([target, ...Object.values(grads)]);
  disposeInputs(inputs);
  store.dispose();
});
