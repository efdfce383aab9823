// End to end through the CLI on a tiny Prism Shapes set: `prismer train pretrain`, then
// `prismer train classify --init-from` that run at another resolution, then `prismer eval classify`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainLog } from '../../lib/train/log.js';

const root = mkdtempSync(join(tmpdir(), 'prismer-tasks-cli-'));
const shared = [
  `--set=data_path=${join(root, 'shapes', 'data')}`, `--set=label_path=${join(root, 'shapes', 'labels')}`, `--set=train.log_dir=${join(root, 'runs')}`,
  '--set=data.synthetic.train_images=100', '--set=data.synthetic.test_images=100', '--set=data.synthetic.image_size=32',
  '--set=experts=[depth, seg_coco, obj_detection]', '--quiet',
];

function prismer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/prismer.js', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('prismer train pretrain: caption loss without prefix, linear warm-up then the per-epoch cosine, checkpoints', () => {
  const run = prismer(['train', 'pretrain', '--config', 'configs/shapes-pretrain.yaml', ...shared, '--set=image_resolution=32',
    '--set=max_epoch=2', '--set=batch_size_train=4', '--set=data.max_train_examples=8', '--set=warmup_steps=3', '--set=train.log_every=1']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /train pretrain: 8 examples/);
  const outDir = join(root, 'runs', 'pretrain_shapes');
  const steps = readTrainLog(join(outDir, 'train.jsonl')).filter((r) => r.kind === 'step');
  assert.equal(steps.length, 4);
  // Official: warm-up from warmup_lr (1e-5) to init_lr (1e-3) over 3 steps, after which the lr stays at the
  // last value set until the next epoch's cosine (here never: the warm-up overrides epoch 1's cosine).
  const lrs = steps.map((r) => r.lr as number);
  const expected = [1e-5, 1e-5 + (1e-3 - 1e-5) / 3, 1e-5 + (2 * (1e-3 - 1e-5)) / 3, 1e-5 + (2 * (1e-3 - 1e-5)) / 3];
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - expected[i]!) < 1e-9, `step ${i + 1}: lr ${lr}, expected ${expected[i]}`));
  assert.ok(steps.every((r) => Number.isFinite(r.loss as number) && (r.loss as number) > 0));
  assert.ok(existsSync(join(outDir, 'checkpoints', 'latest.json')));
  assert.ok(!existsSync(join(outDir, 'metrics.json')), 'pre-training has no evaluation');

  const evalPretrain = prismer(['eval', 'pretrain', '--config', 'configs/shapes-pretrain.yaml', ...shared]);
  assert.equal(evalPretrain.status, 2);
  assert.match(evalPretrain.stderr, /pretrain has no held-out evaluation/);
});

test('prismer train classify from the pre-training run (resized positional embedding), then prismer eval classify', () => {
  const classify = [...shared, '--set=image_resolution=48', '--set=shots=2', '--set=batch_size_train=4', '--set=batch_size_test=8',
    '--set=max_epoch=2', '--set=train.eval_every=1', '--set=data.max_test_examples=12'];
  const run = prismer(['train', 'classify', '--config', 'configs/shapes-classify.yaml', ...classify, '--init-from', join(root, 'runs', 'pretrain_shapes')]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /built Prism Shapes classification/);
  assert.match(run.stderr, /train classification: 8 examples \(2 shot\(s\) per class\)/);
  assert.match(run.stdout, /2-shot accuracy\s+\d+\.\d\d\s+\(12 images\)/);
  const outDir = join(root, 'runs', 'classification_shapes');
  const epochs = readTrainLog(join(outDir, 'train.jsonl')).filter((r) => r.kind === 'epoch');
  assert.equal(epochs.length, 2);
  assert.equal(typeof epochs[0]!.accuracy, 'number', 'evaluated after epoch 0 (train.eval_every: 1)');
  const metrics = JSON.parse(readFileSync(join(outDir, 'metrics.json'), 'utf8')) as { task: string; shots: number; scores: { accuracy: number; count: number } };
  assert.deepEqual([metrics.task, metrics.shots, metrics.scores.count], ['classification', 2, 12]);
  const results = JSON.parse(readFileSync(join(outDir, 'classification_results_shapes.json'), 'utf8')) as Array<{ label: number; prediction: number; answer: string }>;
  assert.equal(results.length, 12);
  assert.ok(results.every((r) => r.prediction >= 0 && r.prediction < 4 && ['circle', 'square', 'triangle', 'diamond'][r.prediction] === r.answer));
  assert.equal(results.filter((r) => r.label === r.prediction).length / 12, metrics.scores.accuracy);
  const best = JSON.parse(readFileSync(join(outDir, 'best', 'best.json'), 'utf8')) as { epoch: number; accuracy: number };
  assert.ok(best.accuracy >= Math.max(epochs[0]!.accuracy as number, metrics.scores.accuracy) - 1e-12);

  // eval classify loads best/ and, Prism Shapes having no test augmentation, reproduces its accuracy.
  const evaluation = prismer(['eval', 'classify', '--config', 'configs/shapes-classify.yaml', ...classify]);
  assert.equal(evaluation.status, 0, evaluation.stderr);
  const evalMetrics = JSON.parse(readFileSync(join(outDir, 'eval', 'metrics.json'), 'utf8')) as { scores: { accuracy: number } };
  assert.equal(evalMetrics.scores.accuracy, best.accuracy);

  const wrongTask = prismer(['train', 'classify', '--config', 'configs/shapes-pretrain.yaml', ...shared]);
  assert.equal(wrongTask.status, 2);
  assert.match(wrongTask.stderr, /task is 'pretrain', but the command trains 'classification'/);
});
