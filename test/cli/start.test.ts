// `prismer start` end to end on a tiny Prism Shapes set with a seconds-long budget: the report
// folder, the results table next to the baselines, and both runs' artefacts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('prismer start trains both tasks, evaluates, prints the table and writes the report', () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-start-'));
  const out = join(root, 'report');
  const sets = [
    `data_path=${join(root, 'shapes', 'data')}`, `label_path=${join(root, 'shapes', 'labels')}`,
    'data.synthetic.train_images=12', 'data.synthetic.test_images=4', 'batch_size_train=4', 'batch_size_test=4',
    'max_epoch=1', 'eval.max_length=12', 'eval.min_length=4', 'k_test=4',
  ].flatMap((s) => ['--set', s]);
  const result = spawnSync(process.execPath, ['bin/prismer.js', 'start', '--out', out, '--budget', '4', '--caption-share', '0.5', ...sets], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /training captioning for about (\S+), then VQA from the caption weights for about \1 /, '--caption-share 0.5 splits the budget evenly');
  assert.match(result.stdout, /CIDEr-D\s+\d+\.\d+\s+\d+\.\d+\s+baseline: best constant caption/);
  assert.match(result.stdout, /VQA accuracy \(%\)\s+\d+\.\d+\s+\d+\.\d+\s+baseline: best single answer per question type/);
  for (const file of ['summary.json', 'report.md', 'training-curves.svg', 'vqa-accuracy.svg', 'caption-metrics.svg', 'caption/train.jsonl', 'vqa/train.jsonl', 'caption/config.json', 'vqa/metrics.json']) {
    assert.ok(existsSync(join(out, file)), `${file} is in the report folder`);
  }
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { caption: { steps: number; baseline: { caption: string } }; vqa: { baseline: { answers: Record<string, string> }; inScene: Record<string, number> } };
  assert.ok(summary.caption.steps >= 1);
  assert.match(summary.caption.baseline.caption, /\.$/);
  assert.ok(Object.keys(summary.vqa.baseline.answers).length >= 3);
  // colour questions exist in any scene (each shape of a unique kind gets one); their in-scene chance is a percentage
  assert.ok(summary.vqa.inScene.colour! > 0 && summary.vqa.inScene.colour! <= 100, JSON.stringify(summary.vqa.inScene));
  assert.match(result.stdout, /colour\s+\d+\.\d+\s+\d+\.\d+\s+prior answer '\w+'; one in the scene at random: \d+\.\d+/);
  assert.match(readFileSync(join(out, 'training-curves.svg'), 'utf8'), /<svg/);
  assert.match(readFileSync(join(out, 'vqa-accuracy.svg'), 'utf8'), /one in the scene at random/, 'the plot shows the in-scene baseline');
});

test('prismer start rejects a caption share outside (0, 1) before doing any work', () => {
  for (const share of ['1', '0', 'half']) {
    const result = spawnSync(process.execPath, ['bin/prismer.js', 'start', '--caption-share', share], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, new RegExp(`--caption-share must be a fraction between 0 and 1 \\(exclusive\\), got '${share}'`));
  }
});
