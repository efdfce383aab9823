// `prismer viz experts` end to end on a small Prism Shapes folder.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrismShapes } from '../../lib/data/index.js';
import { encodedImageSize } from '../../lib/viz/index.js';

function viz(args: string[]) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'viz', ...args], { encoding: 'utf8' });
}

describe('prismer viz experts', () => {
  let dir = '';
  let root = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prismer-viz-'));
    root = (await generatePrismShapes({ out: join(dir, 'shapes'), n: 3, seed: 2, size: 64, testFraction: 0.34 })).out;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the expert panel as PNG (and SVG), class names from the sibling tables folder', () => {
    const image = join(root, 'data', 'vqav2', 'shapes', 'prism_000000000001.jpg');
    const out = join(dir, 'grid.png');
    const run = viz(['experts', image, '--labels', join(root, 'labels'), '--out', out, '--columns', '4', '--cell', '120']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /grid\.png: 6 expert pictures of /);
    assert.deepEqual(encodedImageSize(readFileSync(out)), { width: 4 * 120 + 5 * 8, height: 2 * (120 + 20 + 8) + 8 });
    const svgPath = join(dir, 'grid.svg');
    assert.equal(viz(['experts', image, '--labels', join(root, 'labels'), '--out', svgPath, '--experts', 'seg_coco,obj_detection', '--caption', 'hello']).status, 0);
    const svg = readFileSync(svgPath, 'utf8');
    assert.match(svg, />hello<\/text>/);
    assert.match(svg, />seg_coco<\/text>/);
    assert.doesNotMatch(svg, />depth<\/text>/);
    assert.match(svg, />(circle|square|triangle|diamond)<\/text>/);
  });

  it('reports usage errors with exit code 2', () => {
    for (const args of [['experts', 'x.jpg', '--out', 'a.png'], ['experts', 'x.jpg', '--labels', 'l', '--out', 'a.gif'], ['experts', 'x.jpg', '--labels', 'l', '--out', 'a.png', '--experts', 'depth,colour'], ['pictures']]) {
      const run = viz(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    }
    const missing = viz(['experts', join(dir, 'none.jpg'), '--labels', join(root, 'labels'), '--out', join(dir, 'x.png')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /none\.jpg: no such image/);
  });
});
