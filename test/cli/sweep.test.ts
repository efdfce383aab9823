import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function prismer(...args: string[]) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'sweep', ...args], { encoding: 'utf8' });
}

test('prismer sweep rejects bad usage with a one-line reason', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--config <yaml> is required/],
    [['--config', 'configs/ablate-shapes.yaml'], /at least one --grid/],
    [['--config', 'configs/ablate-shapes.yaml', '--grid', 'experts=[depth'], /invalid YAML list/],
    [['--config', 'configs/ablate-shapes.yaml', '--ablation', 'everything'], /--ablation everything: expected one of add-experts/],
    [['--config', 'configs/ablate-shapes.yaml', '--grid', 'experts=[[]]', '--seeds', '0'], /--seeds must be a positive integer/],
    [['--config', 'configs/ablate-shapes.yaml', '--grid', 'experts=[[]]', '--name', '../x'], /run name '..\/x'/],
  ];
  for (const [args, message] of cases) {
    const r = prismer(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('prismer sweep runs a grid over seeds and prints mean ± std and the 95% interval per cell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sweep-cli-'));
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, [
    `extends: ${resolve('configs/ablate-shapes.yaml')}`,
    `data_path: ${join(dir, 'shapes', 'data')}`, `label_path: ${join(dir, 'shapes', 'labels')}`,
    'experts: []', 'batch_size_train: 8', 'batch_size_test: 16', 'max_epoch: 1',
    'data:', '  synthetic: {seed: 0, train_images: 10, test_images: 3, image_size: 64}', '',
  ].join('\n'));
  const args = ['--config', config, '--grid', 'batch_size_test=[8, 16]', '--seeds', '2', '--dir', join(dir, 'runs'), '--quiet', '--interval'];
  const r = prismer(...args);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^cell\s+n\s+vqa_accuracy\s+95% CI\s+vqa_colour/);
  assert.match(lines[2]!, /^batch_size_test=8\s+2\s+\d+\.\d\d ± \d+\.\d\d\s+\[-?\d+\.\d\d, \d+\.\d\d\]/);
  assert.match(lines[3]!, /^batch_size_test=16\s+2\s/);
  assert.match(r.stdout, /4 run\(s\) now, 0 finished earlier, 0 failed/);
  const again = prismer(...args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 run\(s\) now, 4 finished earlier, 0 failed/);
  assert.equal(again.stdout.split('\n')[2], lines[2]);
});
