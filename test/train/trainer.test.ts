import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { epochOrder, trainModel, type TrainerOptions } from '../../lib/train/trainer.js';
import { readTrainLog } from '../../lib/train/log.js';
import { readTrainingCheckpoint } from '../../lib/train/checkpoint.js';
import { makeToyTask } from './toy-task.js';

const base = (outDir: string): TrainerOptions => ({
  outDir, batchSize: 4, maxEpoch: 3, seed: 5, weightDecay: 0.05, progress: false, handleSignals: false,
  schedule: { kind: 'cosine-per-step', initLr: 0.2, minLr: 0 },
});

test('the toy regression learns; steps, logs and the final checkpoint line up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-train-'));
  const task = makeToyTask();
  const result = await trainModel(task, base(dir));
  assert.equal(result.steps, 3 * 16);
  assert.equal(result.epochsCompleted, 3);
  assert.ok(result.history.at(-1)!.loss < result.history[0].loss / 10, `loss ${result.history[0].loss} → ${result.history.at(-1)!.loss}`);
  assert.equal(result.history[0].lr, 0.2);
  const log = readTrainLog(join(dir, 'train.jsonl'));
  assert.equal(log.filter((r) => r.kind === 'step').length, 48);
  assert.equal(log.filter((r) => r.kind === 'epoch').length, 3);
  const saved = readTrainingCheckpoint(dir);
  assert.equal(saved.state.step, 48);
  assert.equal(saved.state.reason, 'final');
  assert.deepEqual([...saved.model.keys()].sort(), ['head.bias', 'head.running_mean', 'head.weight']);
  assert.ok(saved.optimizer.has('head.weight.exp_avg_sq'));
  // drop_last batching over a seeded permutation: every example once per epoch.
  assert.deepEqual(task.loadedBatches.slice(0, 16).flat().sort((a, b) => a - b), Array.from({ length: 64 }, (_, i) => i));
  assert.deepEqual(task.loadedBatches.slice(0, 16).flat(), epochOrder(64, 5, 0));
  task.store.dispose();
});

test('gradient accumulation of 2×4 equals one batch of 8', async () => {
  const a = makeToyTask();
  await trainModel(a, { ...base(mkdtempSync(join(tmpdir(), 'prismer-acc-'))), batchSize: 4, accumulation: 2 });
  const b = makeToyTask();
  await trainModel(b, { ...base(mkdtempSync(join(tmpdir(), 'prismer-acc-'))), batchSize: 8 });
  const wa = a.store.get('head.weight').dataSync();
  const wb = b.store.get('head.weight').dataSync();
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(wa[i] - wb[i]) < 1e-5, `w[${i}] ${wa[i]} vs ${wb[i]}`);
  a.store.dispose();
  b.store.dispose();
});

test('frozen parameters and buffers do not move', async () => {
  const task = makeToyTask({ frozenBias: true });
  await trainModel(task, { ...base(mkdtempSync(join(tmpdir(), 'prismer-frozen-'))), maxEpoch: 1 });
  assert.equal(task.store.get('head.bias').dataSync()[0], 0);
  assert.equal(task.store.get('head.running_mean').dataSync()[0], 0);
  task.store.dispose();
});

test('lrScale: a group with multiplier 0 stays put and is left out of the optimiser; others learn', async () => {
  const task = makeToyTask();
  const before = Array.from(task.store.get('head.weight').dataSync());
  const result = await trainModel(task, { ...base(mkdtempSync(join(tmpdir(), 'prismer-lrscale-'))), maxEpoch: 1, lrScale: { 'head.weight': 0 } });
  assert.deepEqual(Array.from(task.store.get('head.weight').dataSync()), before);
  assert.notEqual(task.store.get('head.bias').dataSync()[0], 0);
  const saved = readTrainingCheckpoint(result.checkpoint);
  assert.ok([...saved.optimizer.keys()].every((k) => !k.startsWith('head.weight')), 'no optimiser state for the frozen group');
  task.store.dispose();
});

test('stopping mid-epoch and resuming gives the same weights and losses as one run', async () => {
  const whole = makeToyTask();
  const full = await trainModel(whole, base(mkdtempSync(join(tmpdir(), 'prismer-whole-'))));
  const dir = mkdtempSync(join(tmpdir(), 'prismer-split-'));
  const first = makeToyTask();
  const part = await trainModel(first, { ...base(dir), maxSteps: 21 });
  assert.equal(part.steps, 21);
  const state = readTrainingCheckpoint(dir).state;
  assert.deepEqual([state.epoch, state.stepInEpoch], [1, 5]);
  const second = makeToyTask();
  const rest = await trainModel(second, { ...base(dir), resumeFrom: dir });
  assert.equal(rest.resumedFromStep, 21);
  assert.equal(rest.steps, 48);
  assert.deepEqual(rest.history.map((r) => r.step), Array.from({ length: 27 }, (_, i) => 22 + i));
  rest.history.forEach((r, i) => {
    assert.ok(Math.abs(r.loss - full.history[21 + i].loss) < 1e-6, `step ${r.step}: ${r.loss} vs ${full.history[21 + i].loss}`);
    assert.equal(r.lr, full.history[21 + i].lr);
  });
  assert.deepEqual(second.store.get('head.weight').dataSync(), whole.store.get('head.weight').dataSync());
  const events = readTrainLog(join(dir, 'train.jsonl')).filter((r) => r.kind === 'event').map((r) => `${r.event}@${r.step}`);
  assert.deepEqual(events.slice(0, 4), ['start@0', 'checkpoint@16', 'checkpoint@21', 'resume@21']);
  for (const t of [whole, first, second]) t.store.dispose();
});

test('resume refuses a run whose batching changed, naming the checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-mismatch-'));
  const task = makeToyTask();
  await trainModel(task, { ...base(dir), maxSteps: 3 });
  await assert.rejects(trainModel(makeToyTask(), { ...base(dir), batchSize: 8, resumeFrom: dir }), /saved with 16 steps per epoch, this run has 8/);
  assert.ok(existsSync(join(dir, 'checkpoints', 'latest.json')));
  assert.match(readFileSync(join(dir, 'checkpoints', 'latest.json'), 'utf8'), /step-00000003/);
});

test('a too-small dataset and a non-finite loss fail with clear messages', async () => {
  await assert.rejects(trainModel(makeToyTask({ size: 3 }), base(mkdtempSync(join(tmpdir(), 'prismer-small-')))), /3 training examples make no full step of batch_size 4/);
  const task = makeToyTask();
  await assert.rejects(
    trainModel(task, { ...base(mkdtempSync(join(tmpdir(), 'prismer-nan-'))), schedule: { kind: 'constant', initLr: 1e30, minLr: 0 } }),
    /loss is (NaN|Infinity) at step \d+/,
  );
});

test('a time budget plans the steps that fit and ends the cosine there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-budget-'));
  const task = makeToyTask({ delayMs: 40 });
  const result = await trainModel(task, { ...base(dir), maxEpoch: 50, timeBudgetSeconds: 1.5, calibrationSteps: 3 });
  assert.ok(result.steps < 50 * 16, `stopped by the budget after ${result.steps} steps`);
  const plans = readTrainLog(join(dir, 'train.jsonl')).filter((r) => r.event === 'plan');
  assert.ok(plans.length >= 1);
  assert.equal(plans.at(-1)!.plannedSteps, result.steps);
  const last = result.history.at(-1)!;
  assert.ok(last.lr < 0.1 * 0.2, `the last step's lr ${last.lr} is near the end of the cosine`);
  assert.equal(readTrainingCheckpoint(dir).state.plannedSteps, result.steps);
  task.store.dispose();
});
