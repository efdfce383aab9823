import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as aq from 'arquero';
import {
  DisplayHandle, VEGALITE_MIME, imageBundle, imageDataUrl, inNotebook, plotBundle, showProgress, savePlot, show, sniffImageMime, tableBundle, tableToText,
  type VegaLiteSpec,
} from '../../lib/viz/index.js';

const spec: VegaLiteSpec = { title: 'bars', data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] }, mark: 'bar', encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } } };

/** Runs `body` with console.log captured. */
async function captureLog(body: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}

test('a plot is one bundle with the vega-lite JSON and an SVG', async () => {
  const bundle = await plotBundle(spec);
  assert.equal(VEGALITE_MIME, 'application/vnd.vegalite.v5+json');
  assert.deepEqual(Object.keys(bundle).sort(), [VEGALITE_MIME, 'image/svg+xml', 'text/plain'].sort());
  assert.equal(bundle[VEGALITE_MIME], spec);
  assert.match(String(bundle['image/svg+xml']), /^<svg [\s\S]*>bars<\/text>/);
});

test('a table is HTML with an aligned text fallback that says how many rows were left out', () => {
  const table = aq.table({ name: ['rgb', 'rgb+depth', 'all'], cider: [1.0512, 1.1, 1.25] });
  const bundle = tableBundle(table, 2);
  assert.match(String(bundle['text/html']), /<table[\s\S]*rgb\+depth/);
  assert.equal(bundle['text/plain'], tableToText(table, 2));
  assert.deepEqual(tableToText(table, 2).split('\n'), ['name        cider', '---------  ------', 'rgb        1.0512', 'rgb+depth  1.1000', '… 1 more row (3 in all)']);
});

test('images are sniffed by their bytes and sent base64-encoded', () => {
  const jpeg = readFileSync('test/fixtures/images/COCO_test2015_000000000019.jpg');
  assert.equal(sniffImageMime(jpeg), 'image/jpeg');
  const bundle = imageBundle(jpeg);
  assert.equal(Buffer.from(String(bundle['image/jpeg']), 'base64').equals(jpeg), true);
  assert.equal(imageDataUrl(jpeg).slice(0, 23), 'data:image/jpeg;base64,');
  assert.throws(() => imageBundle(new Uint8Array([0, 1, 2, 3])), /expected PNG, JPEG/);
});

test('outside a notebook, show and display handles print the text form', async () => {
  assert.equal(inNotebook(), false);
  const lines = await captureLog(async () => {
    await show(spec);
    await show(aq.table({ a: [1, 2] }));
    const handle = new DisplayHandle();
    handle.set({ 'text/plain': 'first' });
    handle.set({ 'text/plain': 'second' });
  });
  assert.match(lines[0]!, /^<bars: \d+ bytes of SVG>$/);
  assert.equal(lines[1], 'a\n-\n1\n2');
  assert.deepEqual(lines.slice(2), ['first', 'second']);
  await assert.rejects(show({ nothing: true } as unknown as VegaLiteSpec), /expected a vega-lite spec, an arquero table or encoded image bytes/);
});

test('progress shows done/total, metrics and the final state', () => {
  const bar = showProgress(4, { label: 'epoch 1', minIntervalMs: 1e9 });
  bar.tick(1, { loss: 2.5 });
  bar.tick(2, { loss: 2.25, lr: 1e-6 });
  assert.match(bar.text(), /^epoch 1 ██████████████████······ 3\/4 \d+s( eta \d+s)?  loss=2\.2500 lr=1\.00e-6$/);
  bar.update(99);
  assert.match(bar.text(), / 4\/4 /);
  assert.throws(() => showProgress(0), /total: expected a positive integer/);
});

test('savePlot writes SVG, PNG or the spec by extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-viz-'));
  try {
    await savePlot(spec, join(dir, 'p.svg'));
    await savePlot(spec, join(dir, 'sub', 'p.png'));
    await savePlot(spec, join(dir, 'p.json'));
    assert.match(readFileSync(join(dir, 'p.svg'), 'utf8'), /^<svg /);
    assert.equal(sniffImageMime(readFileSync(join(dir, 'sub', 'p.png'))), 'image/png');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')), spec);
    await assert.rejects(savePlot(spec, join(dir, 'p.gif')), /p\.gif: expected a file name ending in \.svg, \.png or \.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
