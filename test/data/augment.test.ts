import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAugmentOp, autocontrast, equalize, brightness, affinePil, randAugment } from '../../lib/data/augment.js';
import { applyPrismerTransform, randomResizedCropBox } from '../../lib/data/transform.js';
import { SeededRng } from '../../lib/data/rng.js';
import type { RasterU8 } from '../../lib/data/pil-resize.js';

function ramp(size: number, channels: number): RasterU8 {
  const data = new Uint8Array(size * size * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 200 + 20;
  return { width: size, height: size, channels, data };
}

test('colour ops: autocontrast stretches, equalize flattens, brightness 1.0 is identity (m=5)', () => {
  const img = ramp(16, 3);
  const ac = autocontrast(img);
  assert.equal(Math.min(...ac.data), 0);
  assert.equal(Math.max(...ac.data), 255);
  const skewed: RasterU8 = { width: 64, height: 64, channels: 1, data: Uint8Array.from({ length: 4096 }, (_, i) => (i < 3200 ? 10 + (i % 5) : 200 + (i % 50))) };
  const eq = equalize(skewed);
  assert.ok(eq.data[0] < eq.data[1] && eq.data[1] - eq.data[0] > 1, 'equalize spreads the crowded low levels apart');
  assert.deepEqual(brightness(img, 1).data, img.data);
  assert.deepEqual(brightness(img, 0.5).data[5], Math.trunc(img.data[5] * 0.5));
});

test('geometric ops move labels with the image (nearest, official fill values)', () => {
  const size = 20;
  const image: RasterU8 = { width: size, height: size, channels: 3, data: new Uint8Array(size * size * 3) };
  const seg: RasterU8 = { width: size, height: size, channels: 1, data: new Uint8Array(size * size) };
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    seg.data[y * size + x] = x;
    image.data.fill(x * 10, (y * size + x) * 3, (y * size + x) * 3 + 3);
  }
  const rng = new SeededRng(1);
  const [img, labels] = applyAugmentOp('TranslateX', 0.2, image, { seg_coco: seg, depth: seg }, rng);
  const shift = img.data[0] === 0 ? -1 : 1; // sign drawn from rng
  const moved = labels!.seg_coco;
  if (shift === 1) {
    // out(x) = in(x + 4): the last 4 columns come from outside -> fill
    assert.equal(moved.data[0], 4);
    assert.equal(moved.data[size - 1], 255);
    assert.equal(labels!.depth.data[size - 1], 0);
  } else {
    assert.equal(moved.data[0], 255);
    assert.equal(moved.data[size - 1], size - 5);
  }
  const rotated = affinePil(seg, [1, 0, 0, 0, 1, 0], 'nearest', 255);
  assert.deepEqual(rotated.data, seg.data);
});

test('RandomResizedCrop box stays inside and follows the scale range; train transform is reproducible', async () => {
  const rng = new SeededRng(5);
  for (let i = 0; i < 200; i++) {
    const box = randomResizedCropBox(120, 80, [0.5, 1], [3 / 4, 4 / 3], rng);
    assert.ok(box.left >= 0 && box.top >= 0 && box.left + box.width <= 120 && box.top + box.height <= 80);
  }
  const image = ramp(40, 3);
  const labels = { depth: ramp(40, 1), seg_coco: ramp(40, 1) };
  const t1 = await applyPrismerTransform(image, labels, { resolution: 24, labelResolution: 12, train: true }, new SeededRng(9));
  const t2 = await applyPrismerTransform(image, labels, { resolution: 24, labelResolution: 12, train: true }, new SeededRng(9));
  assert.deepEqual(t1.rgb, t2.rgb);
  assert.deepEqual(t1.labels.seg_coco.data, t2.labels.seg_coco.data);
  assert.equal(t1.labels.depth.width, 12);
  await assert.rejects(applyPrismerTransform(image, labels, { resolution: 24, train: true }), /seeded rng is required/);
  const [a] = randAugment(image, undefined, new SeededRng(2));
  const [b] = randAugment(image, undefined, new SeededRng(2));
  assert.deepEqual(a.data, b.data);
});
