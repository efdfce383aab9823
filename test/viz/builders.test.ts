import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import {
  compileVegaLite, groupedComparison, heatmap, imageGrid, encodedImageSize, metricBars, trainingCurves, vegaLiteToSvg, type VegaLiteSpec,
} from '../../lib/viz/index.js';

const jpeg = readFileSync('test/fixtures/images/COCO_test2015_000000000014.jpg');

async function rendersWith(spec: VegaLiteSpec, texts: string[]): Promise<string> {
  compileVegaLite(spec);
  const svg = await vegaLiteToSvg(spec);
  for (const text of texts) assert.ok(svg.includes(`>${text}</text>`), `SVG lacks the text '${text}'`);
  return svg;
}

test('trainingCurves: one panel per metric, runs as colours, log scale and smoothing', async () => {
  const runs = [
    { name: 'rgb-only', rows: [{ step: 0, epoch: 0, loss: 4, lr: 1e-4 }, { step: 10, epoch: 0, loss: 3, lr: 5e-5 }, { step: 20, epoch: 1, loss: Number.NaN, lr: 1e-5 }] },
    { name: 'all-experts', rows: [{ step: 0, epoch: 0, loss: 3.9, lr: 1e-4 }, { step: 20, epoch: 1, loss: 2.5, lr: 1e-5 }] },
  ];
  const spec = trainingCurves(runs, { logScale: ['lr'], smoothing: 2, title: 'ablation' }) as { vconcat: { data: { values: object[] }; layer: unknown[] }[] };
  assert.equal(spec.vconcat.length, 2);
  assert.equal(spec.vconcat[0]!.data.values.length, 4, 'the NaN loss is dropped');
  assert.equal(spec.vconcat[0]!.layer.length, 2, 'raw + smoothed lines');
  await rendersWith(spec as VegaLiteSpec, ['ablation', 'loss', 'lr', 'rgb-only', 'all-experts', 'step']);
  const byEpoch = trainingCurves(runs, { x: 'epoch', metrics: ['loss'] }) as { vconcat: unknown[] };
  assert.equal(byEpoch.vconcat.length, 1);
  assert.throws(() => trainingCurves([{ name: 'x', rows: [{ step: 1 }] }]), /at least one numeric metric/);
  assert.throws(() => trainingCurves(runs, { smoothing: 0 }), /smoothing: expected an integer >= 1/);
});

test('metricBars: mean bars, error bars across seeds, seed dots, given order', async () => {
  const scores = [1, 2, 3].flatMap((seed) => [{ label: 'rgb', value: 1 + seed / 10, seed }, { label: 'rgb+depth', value: 1.2 + seed / 10, seed }]);
  const spec = metricBars(scores, { metric: 'CIDEr', extent: 'stderr', order: ['rgb+depth', 'rgb'] }) as { layer: { mark: { type: string; extent?: string } }[] };
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ['bar', 'errorbar', 'point']);
  assert.equal(spec.layer[1]!.mark.extent, 'stderr');
  const svg = await rendersWith(spec as VegaLiteSpec, ['CIDEr', 'rgb', 'rgb+depth']);
  assert.ok(svg.indexOf('>rgb+depth<') < svg.indexOf('>rgb<'), 'bars follow `order`');
  assert.throws(() => metricBars([{ label: 'a', value: Number.POSITIVE_INFINITY }]), /scores\[0\]\.value: expected a finite number/);
  assert.throws(() => metricBars([]), /at least one score/);
});

test('groupedComparison: panels per metric with independent y, or grouped bars on one axis', async () => {
  const scores = ['rgb', 'all'].flatMap((group, g) => ['CIDEr', 'BLEU-4'].flatMap((metric, m) => [1, 2].map((seed) => ({ group, metric, seed, value: (m ? 0.3 : 1.1) + g * 0.1 + seed / 100 }))));
  const faceted = groupedComparison(scores, { groupTitle: 'experts' }) as { facet?: unknown; resolve?: unknown; spec: { layer: unknown[] } };
  assert.ok(faceted.facet && faceted.resolve);
  assert.equal(faceted.spec.layer.length, 2, 'error bars appear with several seeds');
  await rendersWith(faceted as VegaLiteSpec, ['CIDEr', 'BLEU-4', 'experts', 'rgb', 'all']);
  const shared = groupedComparison(scores.filter((s) => s.seed === 1), { independentScales: false }) as { encoding?: unknown; layer: { encoding: { xOffset?: unknown } }[] };
  assert.equal(shared.layer.length, 1, 'no error bars with one seed');
  assert.ok(shared.layer[0]!.encoding.xOffset);
  await rendersWith(shared as VegaLiteSpec, ['CIDEr', 'BLEU-4']);
});

test('heatmap: cells in input order with repeated labels, values printed, shape errors named', async () => {
  const spec = heatmap({ values: new Float32Array([0.7, 0.2, 0.1, 0.3, 0.3, 0.4]), shape: [2, 3] }, { xLabels: ['a', 'cat', 'a'], yLabels: ['q1', 'q2'], valueTitle: 'attention', domain: [0, 1] }) as { data: { values: { row: number; col: number; value: number }[] }; layer: unknown[] };
  assert.equal(spec.data.values.length, 6);
  assert.deepEqual(spec.data.values[5], { row: 1, col: 2, value: spec.data.values[5]!.value });
  assert.ok(Math.abs(spec.data.values[5]!.value - 0.4) < 1e-6);
  assert.equal(spec.layer.length, 2);
  const svg = await rendersWith(spec as VegaLiteSpec, ['attention', 'cat', 'q1', 'q2', '0.7']);
  assert.equal(svg.split('>a</text>').length - 1, 2, 'both columns labelled a keep their own cell');
  assert.throws(() => heatmap([[1, 2], [3]]), /matrix\[1\]: expected 2 values like row 0, got 1/);
  assert.throws(() => heatmap({ values: [1, 2, 3], shape: [2, 2] }), /expected 2×2 = 4 numbers/);
  assert.throws(() => heatmap([[1, 2]], { xLabels: ['x'] }), /xLabels: expected 2 labels, got 1/);
});

test('imageGrid: pictures as data URLs with titles, boxes scaled from image pixels, overlays', async () => {
  const { width, height } = encodedImageSize(jpeg);
  const meta = await sharp(jpeg).metadata();
  assert.deepEqual([width, height], [meta.width, meta.height]);
  const spec = imageGrid(
    [
      { image: jpeg, title: 'street', boxes: [{ x: 0, y: 0, width: width / 2, height: height / 2, label: 'sign' }] },
      { image: 'test/fixtures/images/COCO_test2015_000000000016.jpg', title: 'batter', overlay: jpeg, overlayOpacity: 0.3 },
    ],
    { columns: 2, cellSize: 100 },
  ) as { layer: { data: { values: Record<string, number | string>[] } }[] };
  const [pictures, overlays, boxes] = spec.layer;
  assert.match(String(pictures!.data.values[0]!.url), /^data:image\/jpeg;base64,/);
  assert.equal(overlays!.data.values[0]!.opacity, 0.3);
  assert.equal(boxes!.data.values[0]!.x2, 50);
  assert.equal(boxes!.data.values[0]!.y2, 16 + 50, 'below the title band');
  const svg = await rendersWith(spec as unknown as VegaLiteSpec, ['street', 'batter', 'sign']);
  assert.ok((svg.match(/<image /g) ?? []).length >= 3, 'two pictures and one overlay');
  assert.throws(() => imageGrid([]), /at least one image/);
  assert.throws(() => imageGrid([{ image: new Uint8Array([1, 2, 3]) }]), /expected PNG, JPEG/);
});
