import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../../lib/backend/init.js';
import { loadExperimentConfig } from '../../lib/config/load.js';
import { disableAdaptors, resolveCellConfig } from '../../lib/experiment/cell-run.js';
import { readRun, readRunOutputs } from '../../lib/experiment/run-store.js';
import { runSweep } from '../../lib/experiment/sweep.js';
import { buildExperimentModel, prepareExperiment } from '../../lib/train/experiment.js';

/** A Prism Shapes VQA experiment small enough to train in seconds (PrismerZ unless experts are set). */
function tinyConfig(dir: string, experts = '[]'): string {
  const path = join(dir, 'tiny.yaml');
  writeFileSync(path, [
    `extends: ${resolve('configs/ablate-shapes.yaml')}`,
    `data_path: ${join(dir, 'shapes', 'data')}`,
    `label_path: ${join(dir, 'shapes', 'labels')}`,
    `experts: ${experts}`,
    'batch_size_train: 8',
    'batch_size_test: 16',
    'max_epoch: 1',
    'data:',
    '  synthetic: {seed: 0, train_images: 12, test_images: 4, image_size: 64}',
    '',
  ].join('\n'));
  return path;
}

test('runSweep trains each training setup once, evaluates every cell, stores per-type metrics and resumes', async () => {
  await initBackend('auto');
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sweep-'));
  const config = tinyConfig(dir);
  const root = join(dir, 'runs');
  const axes = [{ key: 'adaptor', values: [true, false] }, { key: 'batch_size_test', values: [8, 16] }];
  const first = await runSweep({ root, name: 'tiny', configPath: config, axes, seeds: [42], progress: false });
  assert.deepEqual([first.ran, first.skipped, first.failed], [4, 0, []]);
  assert.equal(first.runs.numRows(), 4);
  const runs = first.runs.objects() as Array<Record<string, unknown>>;
  for (const row of runs) {
    assert.equal(typeof row.vqa_accuracy, 'number');
    for (const type of ['colour', 'count', 'depth', 'yesno']) assert.equal(typeof row[`vqa_${type}`], 'number', `vqa_${type}`);
  }
  const records = runs.map((r) => readRun(join(root, ...(r.run as string).split('/'))));
  const trainedNow = records.map((r) => [r.manifest.sweep!.cell, r.manifest.notes.trainedNow]);
  assert.deepEqual(trainedNow, [
    ['adaptor=true,batch_size_test=8', true], ['adaptor=true,batch_size_test=16', false],
    ['adaptor=false,batch_size_test=8', true], ['adaptor=false,batch_size_test=16', false],
  ]);
  assert.equal(records[0]!.manifest.trainedIn, records[1]!.manifest.trainedIn);
  assert.notEqual(records[0]!.manifest.trainedIn, records[2]!.manifest.trainedIn);
  const outputs = readRunOutputs(records[0]!.dir);
  assert.ok(outputs.length > 0);
  for (const key of ['question_id', 'question', 'question_type', 'answer', 'prediction', 'accuracy']) assert.ok(key in outputs[0]!, key);
  // Same weights, different test batch size: the same answers.
  assert.deepEqual(readRunOutputs(records[1]!.dir).map((o) => o.prediction), outputs.map((o) => o.prediction));
  const summary = first.summary.objects() as Array<Record<string, unknown>>;
  assert.ok(summary.some((r) => r.cell === 'adaptor=true,batch_size_test=8' && r.metric === 'vqa_depth' && r.n === 1));

  const again = await runSweep({ root, name: 'tiny', configPath: config, axes, seeds: [42], progress: false });
  assert.deepEqual([again.ran, again.skipped], [0, 4]);
  rmSync(join(records[3]!.dir, 'run.json'));
  const resumed = await runSweep({ root, name: 'tiny', configPath: config, axes, seeds: [42], progress: false });
  assert.deepEqual([resumed.ran, resumed.skipped], [1, 3]);
  assert.equal(readRun(records[3]!.dir).manifest.notes.trainedNow, false, 'weights of a finished training are reused');
});

test('disableAdaptors zeroes every up-projection and freezes the adaptors only', async () => {
  await initBackend('auto');
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sweep-'));
  const setup = await prepareExperiment(loadExperimentConfig(tinyConfig(dir), ['freeze=freeze_lang']));
  const model = buildExperimentModel(setup);
  try {
    const trainableBefore = new Set(model.store.entries().filter(([, v]) => v.trainable).map(([n]) => n));
    const zeroed = disableAdaptors(model);
    assert.ok(zeroed >= 4);
    for (const [name, variable] of model.store.entries()) {
      if (name.includes('adaptor.up_proj')) assert.equal(variable.abs().max().dataSync()[0], 0, name);
      assert.equal(variable.trainable, trainableBefore.has(name) && !name.includes('adaptor'), name);
    }
  } finally {
    model.dispose();
  }
});

test('resolveCellConfig applies the cell, the seed and noise experts, and rejects impossible ablations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sweep-'));
  const config = tinyConfig(dir, '[depth]');
  const { config: c, ablations } = resolveCellConfig(config, ['init_lr=0.002'], { name: 'x', params: { noise_experts: ['edge'], eval_drop: ['depth'], freeze: 'freeze_vision' } }, 7);
  assert.deepEqual(c.experts, ['depth', 'edge']);
  assert.equal(c.train.seed, 7);
  assert.equal(c.init_lr, 0.002);
  assert.equal(c.freeze, 'freeze_vision');
  assert.deepEqual(ablations.evalDrop, ['depth']);
  assert.throws(() => resolveCellConfig(config, [], { name: 'y', params: { noise_experts: ['depth'] } }, 1), /noise expert 'depth' is also a real expert/);
  assert.throws(() => resolveCellConfig(config, [], { name: 'z', params: { eval_drop: ['normal'] } }, 1), /eval_drop 'normal' is not one of the experts/);
});

test('an expert ablation end to end: a depth model evaluated with and without its depth labels', async () => {
  await initBackend('auto');
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sweep-'));
  const result = await runSweep({
    root: join(dir, 'runs'), name: 'drop', configPath: tinyConfig(dir, '[depth]'), axes: [{ key: 'eval_drop', values: [[], ['depth']] }],
    seeds: [1], progress: false, keepGoing: false,
  });
  assert.deepEqual([result.ran, result.failed.length], [2, 0]);
  const rows = result.runs.objects() as Array<Record<string, unknown>>;
  const [kept, dropped] = [rows.find((r) => r.cell === 'eval_drop=none')!, rows.find((r) => r.cell === 'eval_drop=depth')!];
  const keptRun = readRun(join(dir, 'runs', ...(kept.run as string).split('/')));
  const droppedRun = readRun(join(dir, 'runs', ...(dropped.run as string).split('/')));
  assert.equal(keptRun.manifest.trainedIn, droppedRun.manifest.trainedIn);
  assert.match(String(droppedRun.manifest.notes.evalLabels), /drop-depth/);
  assert.equal(keptRun.manifest.notes.evalLabels, keptRun.manifest.notes.trainLabels);
  assert.deepEqual([keptRun.manifest.notes.trainedNow, droppedRun.manifest.notes.trainedNow], [true, false]);
  assert.equal(existsSync(join(String(droppedRun.manifest.notes.evalLabels), 'depth')), false, 'depth labels removed at evaluation');
  assert.ok(existsSync(join(String(keptRun.manifest.notes.evalLabels), 'depth')));
  assert.equal(typeof kept.vqa_depth, 'number');
  assert.equal(typeof dropped.vqa_depth, 'number');
});
