// Parity with the official preprocessing (test/fixtures/parity/preproc, MANIFEST §4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { decodeRgb, resizeSharpCubic } from '../../lib/data/decode.js';
import { resizePil, type RasterU8 } from '../../lib/data/pil-resize.js';
import { normalizeClip } from '../../lib/data/transform.js';
import { minMaxNormalize, postLabelProcess } from '../../lib/data/post-label.js';
import { readFeatureTables } from '../../lib/data/feature-tables.js';

const DIR = 'test/fixtures/parity/preproc';
const fixtures = readSafetensors(`${DIR}/preproc.safetensors`).tensors;
const meta = JSON.parse(readFileSync(`${DIR}/preproc_meta.json`, 'utf8')) as {
  images: Record<string, { file: string; decoded_rgb_sha256: string; resized_u8_sha256: string; resized_u8_sum_per_channel: number[]; norm_mean: number[]; norm_sum_float64: number }>;
  labels: Record<string, { min_over_all_channels?: number; max_over_all_channels?: number }>;
};
const f32 = (name: string): Float32Array => fixtures.get(name)!.data as Float32Array;
const u8 = (name: string): Uint8Array => fixtures.get(name)!.data as Uint8Array;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

test('decode is bit-exact and the PIL bicubic port is bit-exact on the five fixture images', async () => {
  for (const [key, m] of Object.entries(meta.images)) {
    const img = await decodeRgb(`test/fixtures/images/${m.file}`);
    assert.equal(sha(img.data), m.decoded_rgb_sha256, `${key} decoded`);
    const resized = resizePil(img, 480, 480, 'bicubic');
    assert.equal(sha(resized.data), m.resized_u8_sha256, `${key} resized`);
    const norm = normalizeClip(resized);
    const grid = f32(`${key}.norm_grid16`);
    for (let c = 0; c < 3; c++) for (let gy = 0; gy < 30; gy++) for (let gx = 0; gx < 30; gx++) {
      assert.equal(norm[c * 480 * 480 + (8 + gy * 16) * 480 + 8 + gx * 16], grid[c * 900 + gy * 30 + gx], `${key} norm c${c} (${gy},${gx})`);
    }
    let sum = 0;
    for (const v of norm) sum += v;
    assert.ok(Math.abs(sum - m.norm_sum_float64) < 1e-6 * Math.max(1, Math.abs(m.norm_sum_float64)) + 1e-3, `${key} norm sum ${sum} vs ${m.norm_sum_float64}`);
  }
});

test('sharp cubic (non-PIL) resize: measured distance to PIL stays within the documented bounds', async () => {
  // Measured (lib/data/README.md): mean |diff| 0.05–0.24 grey levels for 480→480-ish sizes, but 3.6 and 8.7
  // for the two 640x427 images, where libvips' cubic does not widen the kernel like PIL's antialiasing.
  for (const m of Object.values(meta.images)) {
    const img = await decodeRgb(`test/fixtures/images/${m.file}`);
    const sharp = await resizeSharpCubic(img, 480, 480);
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let i = c; i < sharp.data.length; i += 3) s += sharp.data[i];
      const meanDiff = Math.abs(s - m.resized_u8_sum_per_channel[c]) / (480 * 480);
      assert.ok(meanDiff < 1, `${m.file} channel ${c}: mean level differs by ${meanDiff}`);
    }
  }
});

test('labels: nearest resize indices and post_label_process min-max LUTs match', () => {
  const srcY = fixtures.get('labels.nearest_src_y')!.data as Int32Array;
  const srcX = fixtures.get('labels.nearest_src_x')!.data as Int32Array;
  // an id raster whose value is its column / row tells the source index the resize picked
  const ramp = (horizontal: boolean): RasterU8 => {
    const data = new Uint8Array(75 * 100);
    for (let y = 0; y < 75; y++) for (let x = 0; x < 100; x++) data[y * 100 + x] = horizontal ? x : y;
    return { width: 100, height: 75, channels: 1, data };
  };
  const byX = resizePil(ramp(true), 224, 224, 'nearest');
  const byY = resizePil(ramp(false), 224, 224, 'nearest');
  for (let i = 0; i < 224; i++) {
    assert.equal(byX.data[i], srcX[i], `src_x[${i}]`);
    assert.equal(byY.data[i * 224], srcY[i], `src_y[${i}]`);
  }
  for (const [expert, channels] of [['depth', 1], ['normal', 3], ['edge', 1]] as const) {
    const orig: RasterU8 = { width: 100, height: 75, channels, data: u8(`labels.${expert}.orig_u8`) };
    const resized = resizePil(orig, 224, 224, 'nearest');
    const out = minMaxNormalize(resized);
    const lut = f32(`labels.${expert}.lut`);
    const tl = f32(`labels.${expert}.out_tl8`);
    for (let c = 0; c < channels; c++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      assert.equal(out[c * 224 * 224 + y * 224 + x], tl[c * 64 + y * 8 + x], `${expert} out_tl8`);
    }
    for (let i = 0; i < resized.data.length; i++) {
      const c = i % channels;
      const p = Math.floor(i / channels);
      assert.equal(out[c * 224 * 224 + p], lut[resized.data[i]], `${expert} lut at ${i}`);
    }
  }
});

test('seg_coco features: official tables read from .pt and painted like post_label_process', () => {
  const tables = readFeatureTables('test/fixtures/feature-tables');
  assert.deepEqual(tables.coco.features, f32('coco_features'));
  assert.deepEqual(tables.background, f32('background_features'));
  assert.equal(tables.detection.labels.length, 722);
  assert.equal(tables.ade?.labels[0], 'wall');
  const orig: RasterU8 = { width: 100, height: 75, channels: 1, data: u8('labels.seg_coco.orig_u8') };
  const resized = resizePil(orig, 224, 224, 'nearest');
  const out = postLabelProcess({ seg_coco: resized }, {}, tables).seg_coco!;
  const row = f32('labels.seg_coco.out_pixels_row100'); // [64, 7]: pixels of row 100
  const plane = 224 * 224;
  // the 7 sampled columns are not listed; every one must equal the painted value of some column of row 100
  for (let k = 0; k < 7; k++) {
    const vec = Array.from({ length: 64 }, (_, d) => row[d * 7 + k]);
    const found = Array.from({ length: 224 }, (_, x) => x).some((x) => vec.every((v, d) => out[d * plane + 100 * 224 + x] === v));
    assert.ok(found, `column sample ${k} of row 100 not found in our output`);
  }
});
