import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main.js';

const CAPS = 'test/fixtures/metrics/captions/fakecap1000';
const VQA = 'test/fixtures/metrics/vqa';

/** The real command line, in a child process. */
function prismer(...args: string[]) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'score', ...args], { encoding: 'utf8' });
}

/** The same CLI entry point in this process (faster), with console output captured. */
async function prismerInProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '));
  try {
    const status = await main(['score', ...args]);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('prismer score captions --json --per-image prints the official corpus scores and writes per-image scores', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'prismer-score-')), 'per-image.json');
  const r = prismer('captions', '--refs', `${CAPS}/refs.json`, '--results', `${CAPS}/candidates.json`, '--json', '--per-image', out);
  assert.equal(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { corpus: Record<string, number> };
  const summary = JSON.parse(readFileSync(`${CAPS}/summary.json`, 'utf8')) as { corpus: Record<string, number> };
  assert.deepEqual(Object.keys(printed), ['corpus']);
  assert.deepEqual(Object.keys(printed.corpus), ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr']);
  for (const [metric, value] of Object.entries(summary.corpus)) assert.ok(Math.abs(printed.corpus[metric] - value) <= 1e-9 * value, metric);
  assert.match(r.stderr, /METEOR and SPICE: not computed/);
  const perImage = JSON.parse(readFileSync(out, 'utf8')) as { image_id: number; CIDEr: number }[];
  assert.equal(perImage.length, 1000);
  assert.equal(perImage[0].image_id, 400);
});

test('prismer score captions prints a table that says METEOR and SPICE are not computed', async () => {
  const r = await prismerInProcess('captions', '--refs', `${CAPS}/refs.json`, '--results', `${CAPS}/candidates.json`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1000 images, 5005 reference captions/);
  assert.match(r.stdout, /CIDEr\s+0\.599791/);
  assert.match(r.stdout, /METEOR and SPICE: not computed \(the official tools need Java\)/);
});

test('prismer score vqa --json prints overall, perAnswerType and perQuestionType exactly as the official tool', async () => {
  const r = await prismerInProcess('vqa', '--annotations', `${VQA}/annotations.json.gz`, '--questions', `${VQA}/questions.json`, '--results', `${VQA}/predictions_qtype_prior.json`, '--json');
  assert.equal(r.status, 0, r.stderr);
  const official = JSON.parse(readFileSync(`${VQA}/results_qtype_prior.json`, 'utf8')) as { accuracy: unknown };
  assert.deepEqual(JSON.parse(r.stdout), official.accuracy);
});

test('prismer score: usage errors exit 2, bad input files exit 1 naming the file', async () => {
  const missing = await prismerInProcess('captions', '--refs', `${CAPS}/refs.json`);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--results <file> is required/);
  const unknown = await prismerInProcess('images');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown kind 'images'/);
  const bad = await prismerInProcess('vqa', '--annotations', `${VQA}/questions.json`, '--questions', `${VQA}/questions.json`, '--results', `${VQA}/predictions_qtype_prior.json`);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /questions\.json: "annotations" must be an array, got nothing \(the key is missing\)/);
});
