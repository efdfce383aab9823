import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { svgToPng, vegaLiteToSvg, type VegaLiteSpec } from '../../lib/viz/index.js';

const spec: VegaLiteSpec = {
  title: 'Loss per epoch',
  data: { values: [{ epoch: 1, loss: 3.2 }, { epoch: 2, loss: 2.1 }, { epoch: 3, loss: 1.7 }] },
  mark: 'line',
  encoding: { x: { field: 'epoch', type: 'quantitative', title: 'training epoch' }, y: { field: 'loss', type: 'quantitative', title: 'cross entropy' } },
  width: 200,
  height: 120,
};

/** Pixels (RGB) that differ by more than 48 in some channel between two PNGs of the same size. */
async function differingPixels(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [ra, rb] = await Promise.all([a, b].map((png) => sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  assert.deepEqual([ra!.info.width, ra!.info.height], [rb!.info.width, rb!.info.height]);
  let count = 0;
  for (let i = 0; i < ra!.data.length; i += 3) {
    if (Math.max(...[0, 1, 2].map((c) => Math.abs(ra!.data[i + c]! - rb!.data[i + c]!))) > 48) count++;
  }
  return count;
}

test('vegaLiteToSvg writes the axis and plot titles as SVG text', async () => {
  const svg = await vegaLiteToSvg(spec);
  assert.match(svg, /^<svg /);
  for (const text of ['Loss per epoch', 'training epoch', 'cross entropy']) assert.ok(svg.includes(`>${text}</text>`), `missing <text>${text}</text>`);
});

test('the PNG of a plot draws its text: removing the <text> elements changes hundreds of pixels', async () => {
  const svg = await vegaLiteToSvg(spec);
  const withText = svgToPng(svg);
  const withoutText = svgToPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''));
  const blank = svgToPng(svg.replace(/<g[\s\S]*<\/g>/, ''));
  assert.ok((await differingPixels(withText, blank)) > 1000, 'the plot is not drawn');
  const textPixels = await differingPixels(withText, withoutText);
  assert.ok(textPixels > 300, `only ${textPixels} pixels of text: are fonts missing (apt-get install fonts-dejavu-core)?`);
});

test('svgToPng scales the picture and rejects a bad scale', async () => {
  const svg = await vegaLiteToSvg(spec);
  const one = await sharp(svgToPng(svg)).metadata();
  const two = await sharp(svgToPng(svg, { scale: 2 })).metadata();
  assert.equal(two.width, one.width! * 2);
  assert.throws(() => svgToPng(svg, { scale: 0 }), /scale: expected a positive number/);
});

test('an invalid spec fails, saying vega-lite could not compile it', async () => {
  await assert.rejects(vegaLiteToSvg({ mark: 'no-such-mark', data: { values: [] } } as unknown as VegaLiteSpec), /vega-lite could not compile the spec/);
});
