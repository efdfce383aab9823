// End to end through the CLI on a tiny Prism Shapes set: train a few steps, resume from the
// checkpoint, evaluate. Kept to seconds of compute: 16 scenes, batch 4, a 2-step run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainLog } from '../../lib/train/log.js';
import { readTrainingCheckpoint } from '../../lib/train/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'prismer-cli-train-'));
const SETS = [
  `data_path=${join(root, 'shapes', 'data')}`, `label_path=${join(root, 'shapes', 'labels')}`,
  'data.synthetic.train_images=12', 'data.synthetic.test_images=4', 'batch_size_train=4', 'batch_size_test=4',
  'max_epoch=2', 'eval.max_length=12', 'eval.min_length=4', 'k_test=4',
].flatMap((s) => ['--set', s]);

function prismer(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/prismer.js', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('prismer train caption: steps, checkpoint, log and scored results; --from-checkpoint continues the step count', () => {
  const out = join(root, 'caption');
  const first = prismer('train', 'caption', '--config', 'configs/start-caption.yaml', ...SETS, '--out', out, '--max-steps', '2', '--no-eval', '--quiet');
  assert.equal(first.status, 0, first.stderr);
  assert.equal(readTrainingCheckpoint(out).state.step, 2);
  const second = prismer('train', 'caption', '--config', 'configs/start-caption.yaml', ...SETS, '--out', out, '--from-checkpoint', out, '--max-steps', '4', '--quiet');
  assert.equal(second.status, 0, second.stderr);
  const log = readTrainLog(join(out, 'train.jsonl'));
  const steps = log.filter((r) => r.kind === 'step');
  assert.deepEqual(steps.map((r) => r.step), [1, 2, 3, 4]);
  const resume = log.find((r) => r.event === 'resume');
  assert.equal(resume?.step, 2);
  assert.ok(steps.every((r) => Number.isFinite(r.loss as number)));
  assert.equal(readTrainingCheckpoint(out).state.step, 4);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { scores: { corpus: Record<string, number> } };
  assert.ok(Number.isFinite(metrics.scores.corpus.CIDEr));
  const results = JSON.parse(readFileSync(join(out, 'caption_results_start_shapes.json'), 'utf8')) as Array<{ image_id: number; caption: string }>;
  assert.equal(results.length, 4);
  assert.ok(results.every((r) => r.caption.endsWith('.')), 'official format: capitalised caption ending with a period');
  assert.match(second.stdout, /CIDEr/);
});

test('prismer eval vqa scores a checkpoint per question type', () => {
  const out = join(root, 'vqa');
  const trained = prismer('train', 'vqa', '--config', 'configs/start-vqa.yaml', ...SETS, '--out', out, '--max-steps', '1', '--no-eval', '--quiet');
  assert.equal(trained.status, 0, trained.stderr);
  const evaluated = prismer('eval', 'vqa', '--config', 'configs/start-vqa.yaml', ...SETS, '--checkpoint', out, '--out', join(out, 'eval'), '--quiet');
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /vqa_accuracy/);
  const metrics = JSON.parse(readFileSync(join(out, 'eval', 'metrics.json'), 'utf8')) as { scores: { perQuestionType: Record<string, number> } };
  assert.ok(Object.keys(metrics.scores.perQuestionType).length >= 3);
  assert.ok(existsSync(join(out, 'eval', 'vqa_results_start.json')));
});

test('prismer train rejects a config of the other task and a bad --set, naming them', () => {
  const wrong = prismer('train', 'vqa', '--config', 'configs/start-caption.yaml');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /task is 'caption', but the command trains 'vqa'/);
  const bad = prismer('train', 'caption', '--config', 'configs/start-caption.yaml', '--set', 'max_epoch=zero');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /max_epoch/);
});
