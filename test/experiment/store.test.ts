import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentCodeVersion, formatCodeVersion } from '../../lib/experiment/code-version.js';
import { isRunFinished, listRuns, readRun, readRunOutputs, resolveRunDir, startRun } from '../../lib/experiment/run-store.js';
import { loadRunOutputsTable, loadRunsTable, summariseRuns } from '../../lib/experiment/runs-table.js';

function fakeRun(root: string, cell: string, seed: number, accuracy: number, depth: number, finish = true) {
  const run = startRun(root, `abl/${cell}/seed-${seed}`, {
    task: 'vqa', seed, config: { task: 'vqa', experts: cell === 'none' ? [] : ['depth'], train: { seed } },
    params: { experts: cell === 'none' ? [] : ['depth'] }, sweep: { name: 'abl', cell: `experts=${cell}` },
  });
  run.writeOutputs([{ question_id: 1, question_type: 'depth', prediction: seed % 2 ? 'yes' : 'no', accuracy: depth / 100 }]);
  run.writeCurves([{ kind: 'step', step: 10, loss: 3.5 }]);
  run.writeMetrics({ vqa_accuracy: accuracy, vqa_depth: depth });
  if (finish) run.finish();
  return run;
}

test('a run folder holds run.json, config.json, metrics.json, outputs.jsonl, curves.jsonl, written atomically', () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-store-'));
  const run = fakeRun(root, 'depth', 42, 61.5, 80);
  assert.deepEqual(readdirSync(run.dir).sort(), ['config.json', 'curves.jsonl', 'metrics.json', 'outputs.jsonl', 'run.json']);
  const record = readRun(run.dir);
  assert.equal(record.manifest.status, 'finished');
  assert.equal(record.manifest.name, 'abl/depth/seed-42');
  assert.equal(record.manifest.seed, 42);
  assert.deepEqual(record.manifest.code, currentCodeVersion());
  assert.equal(record.manifest.code.packageVersion, JSON.parse(readFileSync('package.json', 'utf8')).version);
  assert.ok(typeof record.manifest.seconds === 'number' && record.manifest.finishedAt !== null);
  assert.deepEqual(record.metrics, { vqa_accuracy: 61.5, vqa_depth: 80 });
  assert.deepEqual((record.config as { train: unknown }).train, { seed: 42 });
  assert.deepEqual(readRunOutputs(run.dir), [{ question_id: 1, question_type: 'depth', prediction: 'no', accuracy: 0.8 }]);
  assert.match(formatCodeVersion(record.manifest.code), /^0\.\d+\.\d+/);
  assert.throws(() => run.writeMetrics({ bad: NaN }), /metric 'bad' must be a finite number/);
  assert.throws(() => startRun(root, '../escape', { task: 'vqa', seed: 0, config: {} }), /run name '..\/escape'/);
});

test('an unfinished or failed run is not counted as finished; finish() needs metrics', () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-store-'));
  const cut = fakeRun(root, 'depth', 1, 1, 1, false);
  assert.equal(isRunFinished(cut.dir), false);
  const failed = startRun(root, 'abl/x/seed-0', { task: 'vqa', seed: 0, config: {} });
  assert.throws(() => failed.finish(), /finish\(\) before writeMetrics\(\)/);
  failed.fail(new Error('out of memory'));
  assert.equal(readRun(failed.dir).manifest.status, 'failed');
  assert.equal(readRun(failed.dir).manifest.error, 'out of memory');
  assert.equal(isRunFinished(failed.dir), false);
  assert.equal(isRunFinished(join(root, 'nothing')), false);
});

test('loadRunsTable gives one arquero row per run; summariseRuns gives mean, std and the 95% t-interval per cell', () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-store-'));
  fakeRun(root, 'none', 42, 40, 50);
  fakeRun(root, 'none', 43, 42, 52);
  fakeRun(root, 'depth', 42, 60, 90);
  fakeRun(root, 'depth', 43, 64, 94);
  fakeRun(root, 'depth', 44, 62, 86, false);
  assert.equal(listRuns(root).length, 5);
  const all = loadRunsTable(root);
  assert.equal(all.numRows(), 5);
  for (const column of ['run', 'status', 'seed', 'cell', 'experts', 'code', 'param_experts', 'vqa_accuracy', 'vqa_depth']) assert.ok(all.columnNames().includes(column), column);
  const finished = loadRunsTable(root, { finishedOnly: true });
  assert.equal(finished.numRows(), 4);
  assert.deepEqual(finished.array('param_experts'), ['depth', 'depth', 'none', 'none']);
  const summary = summariseRuns(finished).objects() as Array<Record<string, number | string>>;
  const depthAcc = summary.find((r) => r.cell === 'experts=depth' && r.metric === 'vqa_accuracy')!;
  assert.equal(depthAcc.n, 2);
  assert.equal(depthAcc.mean, 62);
  assert.ok(Math.abs((depthAcc.std as number) - Math.SQRT2 * 2) < 1e-12);
  const half = 12.7062047 * (Math.SQRT2 * 2) / Math.SQRT2;
  assert.ok(Math.abs((depthAcc.ci_high as number) - (62 + half)) < 1e-5);
  assert.equal(summary.filter((r) => r.metric === 'seed').length, 0);
  const outputs = loadRunOutputsTable(listRuns(root).filter((r) => r.manifest.status === 'finished'));
  assert.equal(outputs.numRows(), 4);
  assert.deepEqual(outputs.columnNames().slice(0, 4), ['run', 'cell', 'seed', 'question_id']);
  assert.equal(resolveRunDir(root, 'abl/depth/seed-42'), join(root, 'abl', 'depth', 'seed-42'));
  assert.throws(() => resolveRunDir(root, 'seed-42'), /ambiguous/);
  assert.throws(() => resolveRunDir(root, 'nope'), /no run folder of that name/);
  assert.equal(existsSync(join(root, 'abl', 'depth', 'seed-42', 'run.json.tmp')), false);
});
