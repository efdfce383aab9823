import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ptbRawLines, ptbTokenize, ptbTokenizeBatch, scoreCaptions } from '../../lib/metrics/index.js';

const DIR = 'test/fixtures/metrics/captions';

interface TokenizerCase {
  id: number;
  input: string;
  raw_java_line: string;
  tokenized: string;
  tokenized_alone: string;
}
interface Hazard {
  name: string;
  input: Record<string, string>;
  official_output: Record<string, string[]>;
}
const cases = JSON.parse(readFileSync(`${DIR}/tokenizer_cases.json`, 'utf8')) as { meta: { punctuation_removed_after_java: string[] }; cases: TokenizerCase[]; line_split_hazards: Hazard[] };
const refs = JSON.parse(readFileSync(`${DIR}/fakecap1000/refs.json`, 'utf8')) as Record<string, string[]>;
const candidates = JSON.parse(readFileSync(`${DIR}/fakecap1000/candidates.json`, 'utf8')) as { image_id: number; caption: string }[];
const tokenized = JSON.parse(readFileSync(`${DIR}/fakecap1000/tokenized.json`, 'utf8')) as Record<string, { res: string[]; gts: string[] }>;

test('all tokenizer cases, run in one batch, match the official output string for string', () => {
  const inputs = cases.cases.map((c) => c.input);
  assert.equal(inputs.length, 191);
  const batch = ptbTokenizeBatch(inputs);
  const raw = ptbRawLines(inputs);
  for (const [i, c] of cases.cases.entries()) {
    assert.equal(batch[i], c.tokenized, `case ${c.id} ${JSON.stringify(c.input)}`);
    assert.equal(raw[i], c.raw_java_line, `raw Java line of case ${c.id} ${JSON.stringify(c.input)}`);
  }
});

test('every tokenizer case alone (lexed at end of input) matches tokenized_alone', () => {
  let differing = 0;
  for (const c of cases.cases) {
    assert.equal(ptbTokenize(c.input), c.tokenized_alone, `case ${c.id} ${JSON.stringify(c.input)}`);
    if (c.tokenized !== c.tokenized_alone) differing++;
  }
  assert.equal(differing, 4); // the end-of-input quirk cases are really exercised
});

test('fakecap1000: references and candidates tokenized in two batches match tokenized.json', () => {
  const ids = Object.keys(refs).sort((a, b) => Number(a) - Number(b));
  const gts = ptbTokenizeBatch(ids.flatMap((id) => refs[id]));
  const byId = new Map(candidates.map((c) => [String(c.image_id), c.caption]));
  const res = ptbTokenizeBatch(ids.map((id) => byId.get(id)!));
  let k = 0;
  ids.forEach((id, i) => {
    for (const expected of tokenized[id].gts) assert.equal(gts[k++], expected, `reference of image ${id}`);
    assert.deepEqual([res[i]], tokenized[id].res, `candidate of image ${id}`);
  });
  assert.equal(k, 5005);
});

test('scoreCaptions reports the tokenized strings it scored, identical to tokenized.json', () => {
  const scores = scoreCaptions(refs, candidates);
  assert.equal(scores.tokenized.length, 1000);
  for (const t of scores.tokenized) assert.deepEqual({ res: [t.res], gts: t.gts }, tokenized[String(t.image_id)]);
});

test("line-split hazards: lineBreaks 'official' reproduces the official wrapper's shifted output", () => {
  assert.equal(cases.line_split_hazards.length, 6);
  for (const h of cases.line_split_hazards) {
    const got = ptbTokenizeBatch(Object.values(h.input), { lineBreaks: 'official' });
    assert.deepEqual(got.map((s) => [s]), Object.values(h.official_output), h.name);
  }
});

test('line-split hazards: by default CR, CRLF, VT, FF, U+2028 and U+2029 act as spaces and no caption moves', () => {
  for (const h of cases.line_split_hazards) {
    assert.deepEqual(ptbTokenizeBatch(Object.values(h.input)), ['alpha beta gamma', 'second caption', 'third caption'], h.name);
  }
});

test("line-split hazards: lineBreaks 'reject' names the source and the caption", () => {
  assert.throws(
    () => ptbTokenizeBatch(['fine', 'bad\u2028one'], { lineBreaks: 'reject', source: 'refs.json', describe: (i) => `image_id ${i + 10}` }),
    /^Error: refs\.json: image_id 11 contains the line-break character U\+2028/,
  );
});

test('a line break inside a reference does not shift scores between images', () => {
  const clean = { '1': ['a dog runs on the grass', 'a brown dog'], '2': ['a cat sleeps on a sofa', 'a sleeping cat'], '3': ['two birds on a wire'] };
  const hazard = { '1': ['a dog runs\ron the grass', 'a brown dog'], '2': ['a cat sleeps\u2029on a sofa', 'a sleeping cat'], '3': ['two birds on a wire'] };
  const results = [{ image_id: 1, caption: 'a dog on the grass' }, { image_id: 2, caption: 'a cat on a sofa' }, { image_id: 3, caption: 'birds on a wire' }];
  const expected = scoreCaptions(clean, results);
  const got = scoreCaptions(hazard, results);
  assert.deepEqual(got.perImage, expected.perImage);
  const shifted = scoreCaptions(hazard, results, { lineBreaks: 'official' });
  assert.notDeepEqual(shifted.perImage, expected.perImage); // the official bug really moves captions
  const officialLines = ptbTokenizeBatch(Object.values(hazard).flat(), { lineBreaks: 'official' });
  assert.deepEqual(shifted.tokenized.flatMap((t) => t.gts), officialLines);
  assert.deepEqual(officialLines.slice(0, 3), ['a dog runs', 'on the grass', 'a brown dog']);
});

test('the wrapper drops exactly its punctuation list; upper-case bracket entries never match', () => {
  assert.deepEqual(cases.meta.punctuation_removed_after_java.length, 17);
  assert.equal(ptbTokenize('A sign (stop) -- here; ok?! ...'), 'a sign -lrb- stop -rrb- here ok ?!');
});
