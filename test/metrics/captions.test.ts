import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { perImageTable, scoreCaptions, type CaptionMetricScores } from '../../lib/metrics/index.js';

const DIR = 'test/fixtures/metrics/captions/fakecap1000';
const refs = JSON.parse(readFileSync(`${DIR}/refs.json`, 'utf8')) as Record<string, string[]>;
const candidates = JSON.parse(readFileSync(`${DIR}/candidates.json`, 'utf8')) as { image_id: number; caption: string }[];
const perImage = JSON.parse(readFileSync(`${DIR}/per_image.json`, 'utf8')) as ({ image_id: number } & CaptionMetricScores)[];
const summary = JSON.parse(readFileSync(`${DIR}/summary.json`, 'utf8')) as {
  corpus: CaptionMetricScores;
  bleu_totalcomps: { testlen: number; reflen: number; guess: number[]; correct: number[] };
  bleu_ratio_printed: number;
};
const METRICS = ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr'] as const;

/** |ours - ref| <= 1e-9 * max(|ours|, |ref|); a reference 0 must be exactly 0. */
function assertClose(ours: number, ref: number, what: string): void {
  if (ref === 0) assert.equal(ours, 0, what);
  else assert.ok(Math.abs(ours - ref) <= 1e-9 * Math.max(Math.abs(ours), Math.abs(ref)), `${what}: ${ours} vs ${ref}`);
}

const scores = scoreCaptions(refs, candidates);

test('fakecap1000: every per-image BLEU-1..4, ROUGE-L and CIDEr within 1e-9 relative of the official values', () => {
  assert.equal(scores.perImage.length, perImage.length);
  let tinyBleu = 0;
  perImage.forEach((ref, i) => {
    const ours = scores.perImage[i];
    assert.equal(ours.image_id, ref.image_id);
    for (const m of METRICS) {
      assertClose(ours[m], ref[m], `image ${ref.image_id} ${m}`);
      if (m.startsWith('Bleu') && ref[m] > 0 && ref[m] < 1e-6) tinyBleu++;
    }
  });
  assert.ok(tinyBleu > 0, 'the smoothed tiny BLEU values are covered');
});

test('fakecap1000: corpus scores within 1e-9 relative, BLEU totals exact', () => {
  for (const m of METRICS) assertClose(scores.corpus[m], summary.corpus[m], `corpus ${m}`);
  assert.deepEqual(scores.bleuTotals, summary.bleu_totalcomps);
  assertClose(scores.bleuRatio, summary.bleu_ratio_printed, 'BLEU ratio');
  assert.deepEqual(scores.notComputed, ['METEOR', 'SPICE']);
});

test('COCO annotation input and results-order evaluation give the same scores', () => {
  let annId = 0;
  const coco = {
    images: Object.keys(refs).map((id) => ({ id: Number(id) })),
    annotations: Object.entries(refs).flatMap(([id, list]) => list.map((caption) => ({ id: annId++, image_id: Number(id), caption }))),
  };
  const fromCoco = scoreCaptions(coco, candidates);
  assert.deepEqual(fromCoco.perImage, scores.perImage);
  const inResultsOrder = scoreCaptions(refs, candidates, { imageOrder: 'results' });
  const byId = new Map(inResultsOrder.perImage.map((p) => [p.image_id, p]));
  for (const p of scores.perImage) for (const m of METRICS) assertClose(byId.get(p.image_id)![m], p[m], `image ${p.image_id} ${m}`);
});

test('perImageTable gives an arquero table with one row per image', () => {
  const table = perImageTable(scores);
  assert.equal(table.numRows(), 1000);
  assert.deepEqual(table.columnNames(), ['image_id', ...METRICS]);
  assert.equal(table.get('CIDEr', 0), scores.perImage[0].CIDEr);
});

test('BLEU smoothing: a perfect match is just below 1, no match is tiny but positive', () => {
  const perfect = scoreCaptions({ 1: ['a man riding a horse on a beach'], 2: ['two cats'] }, [{ image_id: 1, caption: 'A man riding a horse on a beach.' }, { image_id: 2, caption: 'dogs' }]);
  const p = perfect.perImage[0];
  assert.ok(p.Bleu_4 < 1 && p.Bleu_4 > 0.99999999, String(p.Bleu_4));
  assert.equal(p.ROUGE_L, 1);
  const none = perfect.perImage[1];
  assert.ok(none.Bleu_1 > 0 && none.Bleu_1 < 1e-6, String(none.Bleu_1));
  assert.equal(none.ROUGE_L, 0);
  assert.equal(none.CIDEr, 0);
});

test('an empty candidate scores 0 on ROUGE-L and CIDEr without failing', () => {
  const s = scoreCaptions({ 1: ['a red bus'], 2: ['a blue car'] }, [{ image_id: 1, caption: '...' }, { image_id: 2, caption: 'a blue car' }]);
  assert.equal(s.tokenized[0].res, '');
  assert.equal(s.perImage[0].ROUGE_L, 0);
  assert.equal(s.perImage[0].CIDEr, 0);
});

test('results for an image without references are rejected, naming the image', () => {
  assert.throws(() => scoreCaptions({ 1: ['a cat'] }, [{ image_id: 1, caption: 'a cat' }, { image_id: 7, caption: 'a dog' }]), /results: image_id 7 has no reference captions in references/);
});

test('a token holding a no-break space (a PTB fraction) is one token for ROUGE-L but two for BLEU and CIDEr', () => {
  const s = scoreCaptions({ 1: ['a 5 1/2 pound burger'], 2: ['a red bus'] }, [{ image_id: 1, caption: 'a 5 1/2 pound burger' }, { image_id: 2, caption: 'a bus' }]);
  assert.equal(s.tokenized[0].res, 'a 5\u00a01/2 pound burger');
  assert.equal(s.bleuTotals.testlen, 5 + 2); // Python str.split() splits on U+00A0
  assert.equal(s.perImage[0].ROUGE_L, 1);
});
