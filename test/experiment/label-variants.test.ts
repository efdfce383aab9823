import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGrey, decodeRgb } from '../../lib/data/decode.js';
import { readExpertLabels } from '../../lib/data/expert-labels.js';
import { LabelFallbackCounter } from '../../lib/data/label-fallbacks.js';
import { encodePng } from '../../lib/data/synthetic/png.js';
import { labelVariantKey, prepareLabelVariant } from '../../lib/experiment/label-variants.js';

const SIZE = 16;

function labelTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'prismer-labels-'));
  const put = (expert: string, name: string, channels: number, value: (i: number) => number) => {
    const dir = join(root, expert, 'vqav2', 'shapes');
    mkdirSync(dir, { recursive: true });
    const data = new Uint8Array(SIZE * SIZE * channels).map((_, i) => value(i));
    writeFileSync(join(dir, name), encodePng({ width: SIZE, height: SIZE, channels, data }));
  };
  for (const image of ['a', 'b']) {
    put('depth', `${image}.png`, 1, (i) => i % 256);
    put('normal', `${image}.png`, 3, () => 128);
    put('seg_coco', `${image}.png`, 1, (i) => (i % 3 === 0 ? 3 : 255));
    put('obj_detection', `${image}.png`, 1, (i) => (i < 40 ? 0 : 255));
    writeFileSync(join(root, 'obj_detection', 'vqav2', 'shapes', `${image}.json`), '{"0": 2}');
  }
  return root;
}

function changedFraction(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n / a.length;
}

test('an unchanged variant is the original folder; drop removes an expert so the loader takes the official fallback', async () => {
  const source = labelTree();
  const none = { drop: [], noise: {}, pureNoise: [], seed: 0 };
  assert.equal(await prepareLabelVariant(source, join(source, '..', 'never'), none), source);
  assert.equal(labelVariantKey(none), 'original');
  const spec = { drop: ['depth' as const], noise: {}, pureNoise: [], seed: 0 };
  const target = join(mkdtempSync(join(tmpdir(), 'prismer-variant-')), labelVariantKey(spec));
  const dir = await prepareLabelVariant(source, target, spec);
  assert.equal(dir, target);
  assert.equal(existsSync(join(dir, 'depth')), false);
  assert.ok(lstatSync(join(dir, 'normal')).isSymbolicLink());
  const fallbacks = new LabelFallbackCounter(() => undefined);
  const set = await readExpertLabels({ labelPath: dir, dataset: 'vqav2', image: 'shapes/a.jpg', experts: ['depth', 'normal'], imageWidth: SIZE, imageHeight: SIZE, fallbacks });
  assert.deepEqual(fallbacks.entries().map((e) => [e.expert, e.reason]), [['depth', 'missing']]);
  assert.ok(set.labels.depth!.data.every((v) => v === 0));
  assert.ok(set.labels.normal!.data.every((v) => v === 128));
});

test('label noise replaces the given fraction of pixels; id maps only get ids of the image; the result is seeded', async () => {
  const source = labelTree();
  const spec = { drop: [], noise: { depth: 0.5, seg_coco: 1, normal: 1 }, pureNoise: [], seed: 7 };
  const base = mkdtempSync(join(tmpdir(), 'prismer-variant-'));
  const dir = await prepareLabelVariant(source, join(base, 'one'), spec);
  const original = await decodeGrey(join(source, 'depth/vqav2/shapes/a.png'));
  const noisy = await decodeGrey(join(dir, 'depth/vqav2/shapes/a.png'));
  const fraction = changedFraction(original.data, noisy.data);
  assert.ok(fraction > 0.35 && fraction < 0.65, `changed ${fraction}`);
  const seg = await decodeGrey(join(dir, 'seg_coco/vqav2/shapes/b.png'));
  assert.ok(seg.data.every((v) => v === 3 || v === 255));
  assert.ok(changedFraction((await decodeGrey(join(source, 'seg_coco/vqav2/shapes/b.png'))).data, seg.data) > 0.2);
  const normal = await decodeRgb(join(dir, 'normal/vqav2/shapes/a.png'));
  assert.ok(changedFraction(new Uint8Array(normal.data.length).fill(128), normal.data) > 0.9);
  assert.ok(lstatSync(join(dir, 'obj_detection')).isSymbolicLink());
  const again = await prepareLabelVariant(source, join(base, 'two'), spec);
  assert.deepEqual(readFileSync(join(again, 'depth/vqav2/shapes/a.png')), readFileSync(join(dir, 'depth/vqav2/shapes/a.png')));
  const otherSeed = await prepareLabelVariant(source, join(base, 'three'), { ...spec, seed: 8 });
  assert.notDeepEqual(readFileSync(join(otherSeed, 'depth/vqav2/shapes/a.png')), readFileSync(join(dir, 'depth/vqav2/shapes/a.png')));
  await assert.rejects(prepareLabelVariant(source, join(base, 'four'), { ...spec, noise: { ocr_detection: 0.5 } }), /no 'ocr_detection' labels to corrupt/);
});

test('a pure-noise expert gets one uniform-noise label per image in its slot', async () => {
  const source = labelTree();
  const spec = { drop: [], noise: {}, pureNoise: ['edge' as const, 'normal' as const], seed: 1 };
  const dir = await prepareLabelVariant(source, join(mkdtempSync(join(tmpdir(), 'prismer-variant-')), labelVariantKey(spec)), spec);
  for (const image of ['a', 'b']) {
    const edge = await decodeGrey(join(dir, `edge/vqav2/shapes/${image}.png`));
    assert.equal(edge.width, SIZE);
    assert.ok(new Set(edge.data).size > 100, 'uniform noise spans the grey levels');
    const normal = await decodeRgb(join(dir, `normal/vqav2/shapes/${image}.png`));
    assert.notDeepEqual(normal.data, new Uint8Array(normal.data.length).fill(128));
  }
  assert.ok(lstatSync(join(dir, 'depth')).isSymbolicLink());
  assert.equal(labelVariantKey(spec), 'pure-edge+normal,seed-1');
});
