import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readCheckpoint } from '../../lib/io/checkpoint.js';
import { checkStateDict, loadStateDictInto, PRISMER_TIED_ALIASES } from '../../lib/io/load-state-dict.js';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { toFloat32, type TensorRecord } from '../../lib/io/tensor-record.js';

const WEIGHTS = 'test/fixtures/parity/weights';
const C_PT = `${WEIGHTS}/prismer_tiny_c_rgb_all6.pt`;

/** Variables shaped like the model side would build them: no int64 buffers, one name per tied weight. */
function modelLike(stateDict: Map<string, TensorRecord>, skip: (name: string) => boolean): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  for (const [name, record] of stateDict) {
    if (skip(name)) continue;
    params.set(name, tf.variable(tf.zeros(record.shape), true, `t${Math.random()}`));
  }
  return params;
}

const isBuffer = (name: string) => /position_ids$|num_batches_tracked$/.test(name);
const isAlias = (name: string) => name in PRISMER_TIED_ALIASES;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function dispose(params: Map<string, tf.Variable>): void {
  for (const v of params.values()) v.dispose();
}

test('the official .pt loads 1:1: tied aliases consumed, int64 buffers ignored and reported', () => {
  const stateDict = readCheckpoint(C_PT);
  const params = modelLike(stateDict, (n) => isBuffer(n) || isAlias(n));
  const report = loadStateDictInto(params, stateDict, { source: C_PT });
  assert.deepEqual(report.missing, []);
  assert.deepEqual(report.unexpected, []);
  assert.deepEqual(report.shapeMismatches, []);
  assert.deepEqual(report.tiedAliases.sort(), Object.keys(PRISMER_TIED_ALIASES).sort());
  assert.ok(report.ignoredBuffers.includes('text_decoder.roberta.embeddings.position_ids'));
  assert.equal(report.ignoredBuffers.filter((n) => n.endsWith('num_batches_tracked')).length, 6 * 4);
  assert.equal(report.loaded.length, params.size);
  for (const [name, variable] of params) {
    assert.deepEqual(variable.dataSync(), toFloat32(stateDict.get(name)!), name);
  }
  dispose(params);
});

test('an untied model gets its lm_head.decoder weights from the aliased safetensors entries', () => {
  const superset = readSafetensors(`${WEIGHTS}/prismer_tiny_superset.safetensors`).tensors;
  const withAliases = readCheckpoint(C_PT);
  const params = modelLike(withAliases, isBuffer);
  const report = loadStateDictInto(params, superset);
  assert.deepEqual(report.missing, []);
  assert.deepEqual(report.loaded.find((l) => l.name === 'text_decoder.lm_head.decoder.weight'), { name: 'text_decoder.lm_head.decoder.weight', from: 'text_decoder.roberta.embeddings.word_embeddings.weight' });
  assert.deepEqual(params.get('text_decoder.lm_head.decoder.bias')!.dataSync(), toFloat32(superset.get('text_decoder.lm_head.bias')!));
  dispose(params);
});

test('a missing key gives a one-line error naming it, and nothing is assigned', () => {
  const stateDict = new Map(readCheckpoint(C_PT));
  const params = modelLike(stateDict, (n) => isBuffer(n) || isAlias(n));
  stateDict.delete('expert_encoder.ln_post.bias');
  assert.throws(() => loadStateDictInto(params, stateDict, { source: 'ckpt.pt' }), (error: Error) => {
    assert.equal(error.message, 'ckpt.pt: does not match the model: 1 missing key(s): expert_encoder.ln_post.bias');
    return true;
  });
  assert.equal(params.get('expert_encoder.ln_pre.weight')!.sum().dataSync()[0], 0, 'strict mode assigns nothing on error');
  dispose(params);
});

test('a wrong shape and an unexpected key are named with both shapes', () => {
  const stateDict = new Map(readCheckpoint(C_PT));
  const params = modelLike(stateDict, (n) => isBuffer(n) || isAlias(n));
  params.get('expert_encoder.ln_pre.weight')!.dispose();
  params.set('expert_encoder.ln_pre.weight', tf.variable(tf.zeros([33])));
  stateDict.set('expert_encoder.extra.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
  assert.throws(() => loadStateDictInto(params, stateDict, { source: 'ckpt.pt' }), (error: Error) => {
    assert.equal(error.message, 'ckpt.pt: does not match the model: 1 unexpected key(s): expert_encoder.extra.weight; 1 shape mismatch(es): expert_encoder.ln_pre.weight checkpoint [32] vs model [33]');
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  const report = loadStateDictInto(params, stateDict, { strict: false });
  assert.deepEqual(report.unexpected, ['expert_encoder.extra.weight']);
  assert.deepEqual(report.shapeMismatches, [{ name: 'expert_encoder.ln_pre.weight', model: [33], checkpoint: [32] }]);
  assert.equal(params.get('expert_encoder.ln_pre.weight')!.sum().dataSync()[0], 0, 'the mismatched parameter keeps its value');
  assert.deepEqual(params.get('expert_encoder.ln_post.weight')!.dataSync(), toFloat32(stateDict.get('expert_encoder.ln_post.weight')!));
  dispose(params);
});

test('long lists are shortened in the one-line summary', () => {
  const shapes = new Map(Array.from({ length: 7 }, (_, i) => [`p${i}`, { shape: [1] }] as const));
  assert.throws(() => checkStateDict(shapes, new Map(), { source: 'empty.pt' }), (error: Error) => {
    assert.equal(error.message, 'empty.pt: does not match the model: 7 missing key(s): p0, p1, p2, p3, … 3 more');
    return true;
  });
  const report = checkStateDict(shapes, new Map(), { strict: false });
  assert.equal(report.missing.length, 7);
});

test('tied aliases holding different values are reported', () => {
  const stateDict = new Map(readCheckpoint(C_PT));
  const params = modelLike(stateDict, (n) => isBuffer(n) || isAlias(n));
  const bias = stateDict.get('text_decoder.lm_head.decoder.bias')!;
  const changed = Float32Array.from(toFloat32(bias), (v) => v + 1);
  stateDict.set('text_decoder.lm_head.decoder.bias', { ...bias, data: changed });
  assert.throws(() => checkStateDict(params, stateDict, { source: 'untied.pt' }), /untied\.pt: does not match the model: tied aliases with different values: text_decoder\.lm_head\.decoder\.bias ≠ text_decoder\.lm_head\.bias/);
  dispose(params);
});

test('the positional embedding is resized bicubically when the checkpoint grid differs (official interpolate_pos_embed)', () => {
  const ops = readSafetensors('test/fixtures/parity/ops/ops.safetensors').tensors;
  for (const [from, to] of [[14, 30], [30, 14], [24, 16], [6, 4]] as const) {
    const name = 'expert_encoder.positional_embedding';
    const input = ops.get(`posinterp.${from}to${to}.in`)!;
    const expected = ops.get(`posinterp.${from}to${to}.out`)!;
    const params = new Map([[name, tf.variable(tf.zeros(expected.shape))]]);
    const report = loadStateDictInto(params, new Map([[name, input]]));
    assert.deepEqual(report.resized, [{ name, checkpoint: input.shape, model: expected.shape }]);
    const diff = maxAbsDiff(params.get(name)!.dataSync() as Float32Array, toFloat32(expected));
    assert.ok(diff <= 1e-5, `${from}→${to}: max |diff| ${diff}`);
    dispose(params);
  }
  // Other parameters are never resized: a grid mismatch there is a shape mismatch.
  const other = new Map([['x.positional_embedding', tf.variable(tf.zeros([16, 4]))]]);
  assert.throws(() => loadStateDictInto(other, new Map([['x.positional_embedding', ops.get('posinterp.6to4.in')!]])), /x\.positional_embedding checkpoint \[36, 4\] vs model \[16, 4\]/);
  dispose(other);
});

test('half-precision and int64 values are converted to each variable dtype', () => {
  const params = new Map([
    ['h', tf.variable(tf.zeros([2]))],
    ['b', tf.variable(tf.zeros([2]))],
    ['i', tf.variable(tf.zeros([2], 'int32'))],
  ]);
  const stateDict = new Map<string, TensorRecord>([
    ['h', { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }],
    ['b', { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3fc0, 0x4049]) }],
    ['i', { dtype: 'I64', shape: [2], data: new BigInt64Array([7n, -3n]) }],
  ]);
  loadStateDictInto(params, stateDict);
  assert.deepEqual([...params.get('h')!.dataSync()], [1, -2]);
  assert.deepEqual([...params.get('b')!.dataSync()], [1.5, 3.140625]);
  assert.deepEqual([...params.get('i')!.dataSync()], [7, -3]);
  const tooBig = new Map<string, TensorRecord>([['i', { dtype: 'I64', shape: [2], data: new BigInt64Array([1n << 40n, 0n]) }]]);
  const tooBigWithFloats = new Map([...stateDict.entries()].map(([k, v]) => [k, k === 'i' ? tooBig.get('i')! : v] as const));
  params.get('h')!.assign(tf.zeros([2]));
  assert.throws(() => loadStateDictInto(params, tooBigWithFloats, { source: 'big.pt' }), /big\.pt: 'i': element 0 \(1099511627776\) is not an int32 value/);
  assert.deepEqual([...params.get('h')!.dataSync()], [0, 0], 'nothing is assigned when a value does not convert');
  assert.deepEqual([...params.get('i')!.dataSync()], [7, -3]);
  dispose(params);
});
