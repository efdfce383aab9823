import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function prismer(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'reproduce', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('prismer reproduce --dry-run runs the whole path on tiny stand-ins and prints paper vs measured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-reproduce-'));
  const out = join(dir, 'results');
  const r = prismer(['--table', 'main', '--dry-run', '--dry-dir', join(dir, 'dry'), '--models', 'PrismerZ-BASE,Prismer-BASE', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^DRY RUN: random prismer_tiny stand-ins/);
  assert.match(r.stdout, /source: NVlabs\/prismer README\.md @4f27ab3/);
  assert.match(r.stdout, /model\s+column\s+checkpoint\s+paper\s+measured\s+diff\s+tolerance\s+verdict/);
  const rows = r.stdout.split('\n').filter((l) => /^PrismerZ?-/.test(l));
  assert.equal(rows.length, 6);
  const cider = rows.find((l) => l.includes('caption_prismer_base'))!;
  const m = /135\.1\s+(\d+\.\d)\s+([+-]\d+\.\d)\s+< 1\s+(ok|OUTSIDE)$/.exec(cider);
  assert.ok(m, cider);
  assert.ok(Math.abs(Number(m[1]) - 135.1 - Number(m[2])) < 0.051, 'diff = measured - paper');
  assert.match(rows.find((l) => l.includes('vqa_prismerz_base'))!, /76\.58\s+\d+\.\d\d\s+[+-]\d+\.\d\d\s+< 0\.1\s+(ok|OUTSIDE)$/);
  assert.match(rows.find((l) => l.includes('pretrain_prismer_base'))!, /122\.6/);
  // The official results files were written and scored.
  const captions = JSON.parse(readFileSync(join(out, 'caption_prismer_base', 'caption_results_caption_prismer_base_shapes.json'), 'utf8')) as Array<{ image_id: number; caption: string }>;
  assert.ok(captions.length > 0 && captions.every((c) => typeof c.caption === 'string' && c.caption.endsWith('.')));
  const answers = JSON.parse(readFileSync(join(out, 'vqa_prismer_base', 'vqa_results_vqa_prismer_base.json'), 'utf8')) as Array<{ question_id: number; answer: string }>;
  assert.ok(answers.length > 0 && answers.every((a) => typeof a.question_id === 'number' && typeof a.answer === 'string'));
  assert.ok(existsSync(join(dir, 'dry', 'home', 'checkpoints', 'vqa_prismer_base', 'pytorch_model.bin')));
  assert.equal(existsSync(join(dir, 'dry', 'home', 'checkpoints', 'vqa_prismer_large', 'pytorch_model.bin')), false);
});

test('prismer reproduce without checkpoints or data says what to download and where', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-reproduce-'));
  const r = prismer(['--table', 'main', '--coco', join(dir, 'coco'), '--models', 'Prismer-BASE', '--quiet'], { PRISMER_HOME: join(dir, 'home') });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /caption_prismer_base\s+135\.1\s+–\s+–\s+< 1\s+no-checkpoint/);
  assert.match(r.stdout, new RegExp(`${join(dir, 'home', 'checkpoints', 'caption_prismer_base', 'pytorch_model.bin').replace(/[/.]/g, '\\$&')} not found: prismer download caption_prismer_base`));
  assert.match(r.stdout, /coco_karpathy_test\.json and coco_karpathy_test_gt\.json/);
  assert.match(r.stdout, new RegExp(`unpacked to ${join(dir, 'coco').replace(/[/.]/g, '\\$&')}/vqav2/val2014/`));
  const bad = prismer(['--table', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /paper table 'nope'/);
  const badColumn = prismer(['--columns', 'imagenet']);
  assert.equal(badColumn.status, 2);
  assert.match(badColumn.stderr, /'imagenet' is not a column/);
});
