import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { generatePrismShapes, readOcrWords, SEG_CLASSES, SHAPE_KINDS } from '../../lib/data/index.js';
import { colormapRgb, expertPanelPng, expertPanelSvg, labelRegions, readExpertPanel, siblingTablesDir, type ExpertPanel } from '../../lib/viz/index.js';

const texts = (panel: ExpertPanel, expert: string) => panel.pictures.find((p) => p.expert === expert)!.annotations.filter((a) => a.kind === 'text').map((a) => a.text);

describe('expert label pictures (Prism Shapes labels)', () => {
  let dir = '';
  let root = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prismer-panel-'));
    root = (await generatePrismShapes({ out: join(dir, 'shapes'), n: 6, seed: 4, size: 64, testFraction: 0.5 })).out;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const image = (i: number) => join(root, 'data', 'vqav2', 'shapes', `prism_${String(i).padStart(12, '0')}.jpg`);
  const label = (expert: string, i: number, ext: string) => join(root, 'labels', expert, 'vqav2', 'shapes', `prism_${String(i).padStart(12, '0')}${ext}`);

  it('draws rgb + six experts with the class names, instances and words of the label files', async () => {
    const labels = join(root, 'labels');
    for (let i = 1; i <= 6; i++) {
      const panel = await readExpertPanel(image(i), { labels, tables: siblingTablesDir(labels) });
      assert.deepEqual(panel.pictures.map((p) => p.expert), ['rgb', 'depth', 'normal', 'edge', 'obj_detection', 'ocr_detection', 'seg_coco']);
      assert.deepEqual(panel.missing, []);
      const classes = JSON.parse(readFileSync(label('obj_detection', i, '.json'), 'utf8')) as Record<string, number>;
      assert.deepEqual(texts(panel, 'obj_detection').sort(), Object.values(classes).map((c) => SHAPE_KINDS[c]).sort());
      assert.equal(panel.pictures.find((p) => p.expert === 'obj_detection')!.annotations.filter((a) => a.kind === 'box').length, Object.keys(classes).length);
      for (const name of texts(panel, 'seg_coco')) assert.ok((SEG_CLASSES as readonly string[]).includes(name!), `seg class ${name}`);
      const pt = label('ocr_detection', i, '.pt');
      assert.deepEqual(texts(panel, 'ocr_detection'), existsSync(pt) ? [...readOcrWords(pt).values()].map((w) => w.text) : ['No text detected']);
      // Depth: the nearest pixel (largest disparity) is drawn with the top of the rainbow map.
      const { data, info } = await sharp(label('depth', i, '.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
      const nearest = data.indexOf(Math.max(...data));
      const depth = panel.pictures[1]!.raster;
      assert.equal(depth.width, info.width);
      assert.deepEqual(Array.from(depth.data.subarray(nearest * 3, nearest * 3 + 3)), colormapRgb('rainbow', 1));
    }
  });

  it('renders the panel to a PNG of the layout\'s size with the caption and titles drawn', async () => {
    const labels = join(root, 'labels');
    const panel = await readExpertPanel(image(1), { labels, tables: siblingTablesDir(labels), caption: 'four shapes & a <sign>' });
    const svg = await expertPanelSvg(panel.pictures, { caption: panel.caption, cellSize: 100 });
    assert.match(svg, />four shapes &amp; a &lt;sign&gt;<\/text>/);
    const png = await expertPanelPng(panel.pictures, { caption: panel.caption, cellSize: 100 });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // 7 cells of 100 px, 8 px gaps: 7·100 + 8·8 wide; caption 30 + title 20 + cell 100 + gaps 2·8 high.
    assert.deepEqual([info.width, info.height], [764, 166]);
    const colours = new Set<number>();
    for (let p = 0; p < data.length; p += 3) colours.add((data[p]! << 16) | (data[p + 1]! << 8) | data[p + 2]!);
    assert.ok(colours.size > 1000, `only ${colours.size} colours`);
    const wide = await expertPanelPng(panel.pictures, { columns: 4, cellSize: 100 }, { scale: 2 });
    const meta = await sharp(wide).metadata();
    assert.deepEqual([meta.width, meta.height], [2 * (4 * 100 + 5 * 8), 2 * (2 * (100 + 20 + 8) + 8)]);
  });

  it('draws a placeholder for a missing label and lists it', async () => {
    rmSync(label('edge', 2, '.png'));
    const panel = await readExpertPanel(image(2), { labels: join(root, 'labels') });
    assert.equal(panel.pictures.find((p) => p.expert === 'edge')!.note, 'missing label');
    assert.equal(panel.missing.length, 1);
    assert.match(panel.missing[0]!, /^edge: .*prism_000000000002\.png$/);
    // Without tables, class ids stand in for names.
    assert.ok(texts(panel, 'seg_coco').every((t) => /^class \d+$/.test(t!)));
  });

  it('labelRegions finds boxes and an inner label point per id', () => {
    const ids = { width: 4, height: 3, channels: 1, data: Uint8Array.from([255, 7, 7, 255, 255, 7, 255, 3, 255, 255, 255, 3]) };
    const regions = labelRegions(ids);
    assert.deepEqual(regions.map((r) => [r.id, r.count, r.x0, r.y0, r.x1, r.y1]), [[3, 2, 3, 1, 4, 3], [7, 3, 1, 0, 3, 2]]);
    const seven = regions[1]!;
    assert.equal(ids.data[Math.floor(seven.labelY) * 4 + Math.floor(seven.labelX)], 7);
  });
});
