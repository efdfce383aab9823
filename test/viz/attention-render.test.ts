import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  attentionOverlayPng, decoderCrossSpec, decoderSelfSpec, expertReadsSpec, latentExpertReads, latentReadsSpec, modalityShares, modalitySharesSpec,
  svgToPng, vegaLiteToSvg, vitRolloutSpec, wordAttentionSpec, type VegaLiteSpec,
} from '../../lib/viz/index.js';
import { LAYOUT, syntheticCapture } from './attention-fixture.js';

const IMAGE = 'test/fixtures/images/COCO_test2015_000000000014.jpg';
// Set PRISMER_TEST_PICTURES=DIR to keep the rendered pictures for a look.
const keepDir = process.env.PRISMER_TEST_PICTURES;

interface PngStats { width: number; height: number; colours: number; spread: number }

async function pngStats(png: Uint8Array): Promise<PngStats> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const colours = new Set<number>();
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i += 3) {
    colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    const grey = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    min = Math.min(min, grey);
    max = Math.max(max, grey);
  }
  return { width: info.width, height: info.height, colours: colours.size, spread: max - min };
}

/** Renders a spec at scale 2; the PNG is twice the SVG's declared size, at least the spec's plot size, and not blank. */
async function renderChecked(name: string, spec: VegaLiteSpec, minColours: number): Promise<PngStats> {
  const svg = await vegaLiteToSvg(spec);
  const [, w, h] = /^<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"[^>]*\bheight="(\d+(?:\.\d+)?)"/.exec(svg) ?? [];
  assert.ok(w && h, `${name}: the SVG declares its size`);
  const png = svgToPng(svg, { scale: 2 });
  const stats = await pngStats(png);
  assert.equal(stats.width, Math.round(2 * Number(w)), `${name}: PNG width`);
  assert.equal(stats.height, Math.round(2 * Number(h)), `${name}: PNG height`);
  const { width, height } = spec as { width?: number | { step: number }; height?: number | { step: number } };
  if (typeof width === 'number') assert.ok(Number(w) >= width, `${name}: SVG width ${w} < plot width ${width}`);
  if (typeof height === 'number') assert.ok(Number(h) >= height, `${name}: SVG height ${h} < plot height ${height}`);
  assert.ok(stats.colours >= minColours, `${name}: only ${stats.colours} colours: blank?`);
  assert.ok(stats.spread > 100, `${name}: grey levels span only ${stats.spread}`);
  if (keepDir) {
    mkdirSync(keepDir, { recursive: true });
    writeFileSync(join(keepDir, `${name}.png`), png);
  }
  return stats;
}

test('the attention overlay puts the hot colour over the attended patch', async () => {
  const grid = new Float32Array(16);
  grid[0 * 4 + 3] = 1; // top-right patch
  const png = await attentionOverlayPng(IMAGE, grid, 4, 4, { size: 160, colormap: 'viridis' });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [160, 160]);
  const at = (x: number, y: number) => [0, 1, 2].map((c) => data[(y * 160 + x) * info.channels + c]!);
  const [r, g, b] = at(140, 20);
  // viridis' top is yellow (#fde725); at opacity 0.75 over the photo, red and green clearly beat blue.
  assert.ok(r! > b! + 60 && g! > b! + 60, `hot patch is not yellow: ${[r, g, b]}`);
  const [r2, g2, b2] = at(20, 140);
  assert.ok(b2! >= r2! - 40 || g2! < g! - 60, `cold patch looks hot: ${[r2, g2, b2]}`);
});

test('every attention view renders to a PNG of the expected size that is not blank', async () => {
  const capture = syntheticCapture();
  const words = await wordAttentionSpec(IMAGE, capture, { cellSize: 100, columns: 5 });
  const wordStats = await renderChecked('word-attention', words, 500);
  // 5 pictures (image + 4 generated tokens) in one row of 100 px cells with 8 px gaps.
  assert.ok(wordStats.width >= 2 * (5 * 100 + 4 * 8), `word grid width ${wordStats.width}`);
  await renderChecked('vit-rollout', await vitRolloutSpec(IMAGE, capture), 500);
  await renderChecked('modality-shares', modalitySharesSpec(modalityShares(capture)), 3);
  const reads = latentExpertReads(capture);
  await renderChecked('latent-reads', latentReadsSpec(reads), 10);
  await renderChecked('expert-reads', expertReadsSpec(reads), 3);
  await renderChecked('decoder-self', decoderSelfSpec(capture), 10);
  await renderChecked('decoder-cross', decoderCrossSpec(capture, { layer: 0 }), 10);
  assert.equal(LAYOUT.rgbTokens, 16);
});
