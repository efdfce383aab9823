// The expert latent warm-up: its target (expert inputs average-pooled), that it trains the stems and the
// resampler and nothing else, lowers its loss, leaves no auxiliary parameter in the model, and resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/init.js';
import { loadExperimentConfig } from '../../lib/config/load.js';
import { captionDatasets } from '../../lib/train/experiment.js';
import { pooledExpertTargets, warmUpExpertLatents } from '../../lib/train/latent-warmup.js';
import { experimentTrainTask } from '../../lib/train/tasks.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { tinyShapes } from './tiny-shapes.js';

/** Prism Shapes captions with a dense (depth) and a categorical (seg_coco) expert on a tiny Prismer. */
const tiny = tinyShapes('latent-warmup', 'start-caption', { experts: '[depth, seg_coco]', batchSize: 4, trainImages: 8 });
const dir = tiny.dir;
const tinySetup = (sets: string[] = []) => tiny.setup(sets);
const tinyConfig = (): string => tiny.config;

function snapshot(store: ParameterStore): Map<string, Float32Array> {
  return new Map(store.entries().map(([name, v]) => [name, v.dataSync().slice() as Float32Array]));
}

test('the target is each expert input average-pooled to grid x grid, region by region, experts in order within a region', async () => {
  await initBackend('cpu');
  const depth = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 1, 4, 4]);
  const seg = tf.ones([1, 2, 4, 4]) as tf.Tensor4D;
  const target = pooledExpertTargets({ depth, seg_coco: seg }, ['depth', 'seg_coco'], 2);
  // quadrants row-major; in each, depth's mean (of [1,2,5,6], [3,4,7,8], [9,10,13,14], [11,12,15,16]) then seg's 2 channels.
  assert.deepEqual(Array.from(target.dataSync()), [3.5, 1, 1, 5.5, 1, 1, 11.5, 1, 1, 13.5, 1, 1]);
  assert.throws(() => pooledExpertTargets({ depth }, ['depth'], 3), /4x4, not divisible into a 3x3 grid \(train.latent_warmup.grid\)/);
  assert.throws(() => pooledExpertTargets({ depth }, ['depth', 'seg_coco'], 2), /no 'seg_coco' input/);
  tf.dispose([depth, seg, target]);
});

test('the warm-up trains only the resampler (stems frozen, their BatchNorm calibrated), lowers its loss, and leaves no head behind', async () => {
  const { model, source } = await tinySetup();
  const before = snapshot(model.store);
  const outDir = join(dir, 'warmup-a');
  const result = await warmUpExpertLatents(model, source, { steps: 12, batchSize: 4, lr: 3e-3, weightDecay: 0.05, grid: 2, seed: 1, cacheMb: 64, outDir, progress: false, handleSignals: false });
  assert.equal(result.steps, 12);
  const losses = result.history.map((r) => r.loss);
  const head = (xs: number[]) => xs.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(head(losses.slice(-3)) < head(losses), `loss fell: first ${losses.slice(0, 3).map((l) => l.toFixed(3))}, last ${losses.slice(-3).map((l) => l.toFixed(3))}`);
  const changed = [...snapshot(model.store)].filter(([name, v]) => v.some((x, i) => x !== before.get(name)![i])).map(([name]) => name);
  const parameters = changed.filter((n) => !model.store.isBuffer(n));
  assert.ok(parameters.length > 0 && parameters.every((n) => n.startsWith('expert_encoder.resampler.')), `only resampler parameters trained: ${parameters.join(', ')}`);
  const buffers = changed.filter((n) => model.store.isBuffer(n));
  assert.ok(buffers.some((n) => /^expert_encoder\.conv1\.(depth|seg)\..*running_mean$/.test(n)), 'the stems\' BatchNorm statistics were calibrated');
  assert.ok(buffers.every((n) => n.startsWith('expert_encoder.conv1.')), `no other buffer changed: ${buffers.join(', ')}`);
  assert.ok(!model.store.names().some((n) => n.includes('latent_warmup')), 'the auxiliary head is not a model parameter');
  assert.ok(existsSync(join(outDir, 'train.jsonl')) && existsSync(join(outDir, 'checkpoints', 'latest.json')));

  // Run again on the finished folder: it resumes at step 12 and restores the warmed-up weights into a fresh model.
  const warmed = snapshot(model.store);
  model.dispose();
  const fresh = await tinySetup();
  const again = await warmUpExpertLatents(fresh.model, fresh.source, { steps: 12, batchSize: 4, lr: 3e-3, weightDecay: 0.05, grid: 2, seed: 1, cacheMb: 64, outDir, progress: false, handleSignals: false });
  assert.equal(again.resumedFromStep, 12);
  const restored = snapshot(fresh.model.store);
  for (const name of changed) assert.deepEqual(restored.get(name), warmed.get(name), `${name} restored from the warm-up checkpoint`);
  fresh.model.dispose();
});

test('regional mode: latent i learns region i through one shared head, and the resampler must have grid² latents', async () => {
  const { model, source } = await tinySetup();
  assert.equal(model.expertEncoder.resampler!.numLatents, 16);
  const options = { steps: 12, batchSize: 4, lr: 3e-3, weightDecay: 0.05, seed: 1, cacheMb: 64, progress: false as const, handleSignals: false, mode: 'regional' as const };
  await assert.rejects(
    warmUpExpertLatents(model, source, { ...options, grid: 2, outDir: join(dir, 'warmup-r2') }),
    /mode 'regional' pairs each latent with one region of the 2x2 grid, so the resampler needs 4 latents \(resampler_latents\), not 16/,
  );
  const logs: string[] = [];
  const result = await warmUpExpertLatents(model, source, { ...options, grid: 4, outDir: join(dir, 'warmup-r4'), log: (l) => logs.push(l) });
  const losses = result.history.map((r) => r.loss);
  const head = (xs: number[]) => xs.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
  assert.ok(head(losses.slice(-3)) < head(losses), `loss fell: first ${losses.slice(0, 3).map((l) => l.toFixed(3))}, last ${losses.slice(-3).map((l) => l.toFixed(3))}`);
  // depth (1 channel) + seg_coco (64 channels) per region
  assert.ok(logs.some((l) => /region by region, latent i from region i \(65 values each\)/.test(l)), logs.join('\n'));
  model.dispose();
});

test('the warm-up refuses, naming the setting, when the stem tokens would exceed train.encoder_cache_mb', async () => {
  const { model, source } = await tinySetup();
  await assert.rejects(
    warmUpExpertLatents(model, source, { steps: 2, batchSize: 4, lr: 1e-3, weightDecay: 0, grid: 2, seed: 1, cacheMb: 1e-4, outDir: join(dir, 'warmup-c'), progress: false, handleSignals: false }),
    /stem tokens of 8 images need .* MB > train.encoder_cache_mb 0.0001/,
  );
  model.dispose();
});

test('train.latent_warmup.steps runs the warm-up before the caption task and validates its settings', async () => {
  const { setup, model } = await tinySetup(['train.latent_warmup.steps=2']);
  const logs: string[] = [];
  const { task, warmup } = await experimentTrainTask(setup, model, captionDatasets(setup).train, { log: (l) => logs.push(l), warmupDir: join(dir, 'warmup-b'), progress: false, handleSignals: false });
  await task.close?.();
  assert.equal(warmup?.steps, 2);
  assert.ok(logs.some((l) => /latent warm-up: 2 steps on 8 images/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /encoder cache: the expert encoder is frozen/.test(l)), 'the cache is built after the warm-up');
  model.dispose();
  assert.throws(() => loadExperimentConfig(tinyConfig(), ['train.latent_warmup.grid=0']), /train\.latent_warmup\.grid/);
  assert.throws(() => loadExperimentConfig(tinyConfig(), ['train.latent_warmup.lr=0']), /train\.latent_warmup\.lr/);
  assert.throws(() => loadExperimentConfig(tinyConfig(), ['train.latent_warmup.mode=tokens']), /train\.latent_warmup\.mode/);
});

test('a store adopting another store\'s variables trains them through its own entries and leaves them to their owner on dispose', () => {
  const owner = new ParameterStore(0);
  const shared = owner.create('a.weight', [2], 'ones');
  const view = new ParameterStore(1);
  view.adopt('a.weight', shared);
  const own = view.create('head.weight', [2], 'zeros');
  assert.deepEqual(view.names(), ['a.weight', 'head.weight']);
  assert.throws(() => view.adopt('head.weight', shared), /defined twice/);
  view.dispose();
  assert.equal(own.isDisposed, true);
  assert.equal(shared.isDisposed, false);
  owner.dispose();
});
