// The frozen-encoder output cache: when it applies, that cached encodings equal the encoder's eval-mode
// output, that each image is encoded once, and the BatchNorm calibration it starts with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { disposeBatchInputs, prismerBatchInputs } from '../../lib/train/batch-inputs.js';
import { EncoderOutputCache, expertEncoderFrozen, prepareEncoderCache } from '../../lib/train/encoder-cache.js';
import { vqaTrainTask } from '../../lib/train/tasks.js';
import type { PrismerVQA } from '../../lib/model/prismer-vqa.js';
import { tinyShapes } from './tiny-shapes.js';

/** Prism Shapes VQA with the depth expert (a BatchNorm stem) on a tiny Prismer. */
const tiny = tinyShapes('encoder-cache', 'start-vqa', { experts: '[depth]', batchSize: 4, trainImages: 6 });
const tinySetup = (sets: string[] = []) => tiny.setup(sets);

test('the encoder counts as frozen when every encoder parameter has lr multiplier 0 or is not trainable', async () => {
  const { model } = await tinySetup();
  assert.equal(expertEncoderFrozen(model.store, { expert_encoder: 0 }), true);
  assert.equal(expertEncoderFrozen(model.store, {}), false);
  assert.equal(expertEncoderFrozen(model.store, { expert_encoder: 0, 'expert_encoder.resampler': 1 }), false);
  model.store.setTrainable((name) => !name.startsWith('expert_encoder.'));
  assert.equal(expertEncoderFrozen(model.store, {}), true);
  model.dispose();
});

test('cached encodings equal the eval-mode encoder output, and each image is encoded once', async () => {
  const { model, source } = await tinySetup();
  const cache = new EncoderOutputCache(model, source);
  const images = cache.imageIndices();
  assert.equal(images.length, 6, 'six training images behind the questions');
  assert.ok(source.dataset.length > images.length);
  await cache.calibrate(images, 4);
  const batch = await source.collate([0, 1, 2, 3], 0);
  cache.fill(batch);
  const cached = cache.encodings(batch);
  const inputs = prismerBatchInputs(batch, source.dataset.experts);
  const direct = model.encode(inputs, { training: false });
  disposeBatchInputs(inputs);
  assert.deepEqual(cached.shape, direct.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(cached, direct))).dataSync()[0]!);
  assert.ok(diff < 1e-6, `cached vs direct max |diff| ${diff}`);
  tf.dispose([cached, direct]);
  const distinct = new Set(batch.indices.map((i) => source.dataset.imageKey!(i))).size;
  assert.equal(cache.encoded, distinct);
  cache.fill(batch);
  assert.equal(cache.encoded, distinct, 'a second visit encodes nothing');
  const all = await source.collate(Array.from({ length: source.dataset.length }, (_, i) => i), 0);
  cache.fill(all);
  assert.equal(cache.encoded, 6);
  assert.equal(cache.size, 6);
  assert.ok(cache.bytes > 0);
  const unseen = new EncoderOutputCache(model, source);
  assert.throws(() => unseen.encodings(batch), /nothing cached yet/);
  model.dispose();
});

test('calibration replaces the stems\' initial BatchNorm statistics with the average over the images', async () => {
  const { model, source } = await tinySetup();
  const mean = 'expert_encoder.conv1.depth.2.running_mean';
  assert.deepEqual([...model.store.get(mean).dataSync()].every((v) => v === 0), true);
  const cache = new EncoderOutputCache(model, source);
  await cache.calibrate(cache.imageIndices(), 4);
  const calibrated = [...model.store.get(mean).dataSync()];
  assert.ok(calibrated.some((v) => v !== 0));
  // Calibrating again over the same images reproduces the same statistics (an average, not a drift).
  await cache.calibrate(cache.imageIndices(), 4);
  const again = [...model.store.get(mean).dataSync()];
  calibrated.forEach((v, i) => assert.ok(Math.abs(v - again[i]!) < 1e-5));
  model.dispose();
});

test('prepareEncoderCache applies only to a frozen encoder over deterministic data within the budget', async () => {
  const frozen = await tinySetup();
  const lines: string[] = [];
  const cache = await prepareEncoderCache(frozen.model, frozen.source, frozen.setup.config, false, (line) => lines.push(line));
  assert.ok(cache instanceof EncoderOutputCache);
  assert.match(lines.join('\n'), /encoder cache: .*6 training images .* computed once, before training/);
  // Every image is encoded before training, so a training batch needs no pixels or expert maps.
  const everything = Array.from({ length: frozen.source.dataset.length }, (_, i) => i);
  assert.equal(cache!.size, 6);
  assert.equal(cache!.covers(everything), true);
  const light = await frozen.source.collateFor([0, 1, 2, 3], 0, cache!);
  assert.deepEqual(Object.keys(light.experts), [], 'no expert maps stacked for a cached batch');
  const task = vqaTrainTask('vqa', frozen.model as PrismerVQA, frozen.setup.tokenizer, frozen.source, cache!);
  const context = { epoch: 0, step: 0, micro: 0, seed: 1 };
  const loaded = await task.loadBatch([0, 1, 2, 3], context);
  const uncached = vqaTrainTask('vqa', frozen.model as PrismerVQA, frozen.setup.tokenizer, frozen.source);
  const full = await uncached.loadBatch([0, 1, 2, 3], context);
  assert.ok(Object.keys(full.batch.experts).length > 0 && Object.keys(loaded.batch.experts).length === 0);
  const loss = tf.tidy(() => task.loss(loaded, context).dataSync()[0]!);
  assert.ok(Number.isFinite(loss), 'the decoder trains on the cached encodings of a batch without expert maps');
  lines.length = 0;
  assert.equal(await prepareEncoderCache(frozen.model, frozen.source, frozen.setup.config, true, (line) => lines.push(line)), null);
  assert.match(lines.join('\n'), /off \(.*augments/);
  frozen.model.dispose();
  const small = await tinySetup(['train.encoder_cache_mb=0.001']);
  lines.length = 0;
  assert.equal(await prepareEncoderCache(small.model, small.source, small.setup.config, false, (line) => lines.push(line)), null);
  assert.match(lines.join('\n'), /off \(6 images x \d+ x \d+ floats .* > train\.encoder_cache_mb 0\.001\)/);
  small.model.dispose();
  const prismerZ = await tinySetup(['experts=[]']);
  lines.length = 0;
  assert.ok(await prepareEncoderCache(prismerZ.model, prismerZ.source, prismerZ.setup.config, false, (line) => lines.push(line)) instanceof EncoderOutputCache);
  assert.doesNotMatch(lines.join('\n'), /BatchNorm/, 'PrismerZ has no stems to calibrate');
  prismerZ.model.dispose();
  const off = await tinySetup(['train.encoder_cache_mb=0']);
  assert.equal(await prepareEncoderCache(off.model, off.source, off.setup.config, false), null);
  off.model.dispose();
  const training = await tinySetup(['train.lr_scale.expert_encoder=1']);
  assert.equal(await prepareEncoderCache(training.model, training.source, training.setup.config, false), null);
  training.model.dispose();
});
