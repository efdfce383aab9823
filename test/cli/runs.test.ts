import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../../lib/experiment/run-store.js';

function prismer(...args: string[]) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'runs', ...args], { encoding: 'utf8' });
}

function store(): string {
  const root = mkdtempSync(join(tmpdir(), 'prismer-runs-cli-'));
  const make = (name: string, experts: string[], seed: number, accuracy: number, predictions: string[], finish = true) => {
    const run = startRun(root, name, { task: 'vqa', seed, config: { task: 'vqa', experts, init_lr: 0.001, train: { seed } }, params: { experts } });
    run.writeOutputs(predictions.map((p, i) => ({ question_id: i + 1, prediction: p })));
    run.writeMetrics({ vqa_accuracy: accuracy, vqa_depth: accuracy + 10 });
    if (finish) run.finish();
  };
  make('grid/experts=none/seed-42', [], 42, 40.25, ['yes', 'no', 'red']);
  make('grid/experts=depth/seed-42', ['depth'], 42, 55.5, ['yes', 'yes', 'red']);
  make('grid/experts=depth/seed-43', ['depth'], 43, 57, ['no', 'yes', 'red'], false);
  return root;
}

test('prismer runs ls lists every run with status, seed, experts and metrics', () => {
  const root = store();
  const r = prismer('ls', '--dir', root);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^run\s+status\s+seed\s+experts\s+vqa_accuracy\s+vqa_depth\s+seconds\s+code$/);
  assert.equal(lines.length, 5);
  assert.match(lines[2]!, /^grid\/experts=depth\/seed-42\s+finished\s+42\s+depth\s+55\.50\s+65\.50/);
  assert.match(lines[3]!, /^grid\/experts=depth\/seed-43\s+running\s+43\s+depth\s+57\.00/);
  assert.match(lines[4]!, /^grid\/experts=none\/seed-42\s+finished\s+42\s+none\s+40\.25/);
  const filtered = prismer('ls', '--dir', root, '--filter', 'none', '--metrics', 'vqa_depth');
  assert.equal(filtered.stdout.trim().split('\n').length, 3);
  assert.doesNotMatch(filtered.stdout, /vqa_accuracy/);
  assert.match(prismer('ls', '--dir', join(root, 'nothing')).stdout, /no runs below/);
});

test('prismer runs compare shows metrics with B - A, differing config keys and prediction disagreements', () => {
  const root = store();
  const r = prismer('compare', 'experts=none/seed-42', 'grid/experts=depth/seed-42', '--dir', root);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /vqa_accuracy\s+40\.2500\s+55\.5000\s+\+15\.2500/);
  assert.match(r.stdout, /experts\s+\[\]\s+\["depth"\]/);
  assert.match(r.stdout, /params\.experts/);
  assert.doesNotMatch(r.stdout, /init_lr/);
  assert.match(r.stdout, /examples: 3 in both, predictions differ on 1 \(33\.3%\)/);
  const bad = prismer('compare', 'grid/experts=none/seed-42', '--dir', root);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /compare needs two runs/);
  const missing = prismer('compare', 'a', 'b', '--dir', root);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /run 'a': no run folder of that name/);
  assert.equal(prismer('bogus').status, 2);
});
