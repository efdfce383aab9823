// Model-input parity (test/fixtures/parity/model/inputs.safetensors, MANIFEST §3): the rgb input of
// the official test Transform at 96 px, and the dense seg_coco / obj_detection inputs post_label_process
// paints from the official feature tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { decodeRgb } from '../../lib/data/decode.js';
import { applyPrismerTransform } from '../../lib/data/transform.js';
import { readFeatureTables } from '../../lib/data/feature-tables.js';
import { postLabelProcess } from '../../lib/data/post-label.js';

const inputs = readSafetensors('test/fixtures/parity/model/inputs.safetensors').tensors;
const meta = JSON.parse(readFileSync('test/fixtures/parity/model/meta_common.json', 'utf8')) as {
  rgb_images: string[];
  obj_detection_instance_to_DETECTION_FEATURES_row: Record<string, number>;
};
const tables = readFeatureTables('test/fixtures/feature-tables');

test('rgb input: official test Transform at 96 px, bit-exact', async () => {
  const expected = inputs.get('rgb')!.data as Float32Array;
  const files = ['COCO_test2015_000000000014.jpg', 'COCO_test2015_000000000016.jpg'];
  for (let b = 0; b < 2; b++) {
    const img = await decodeRgb(`test/fixtures/images/${files[b]}`);
    const out = await applyPrismerTransform(img, {}, { resolution: 96 });
    assert.deepEqual(out.rgb, expected.subarray(b * 3 * 96 * 96, (b + 1) * 3 * 96 * 96), files[b]);
  }
});

test('seg_coco and obj_detection dense inputs equal table[index] of the fixture', () => {
  const classes = new Map(Object.entries(meta.obj_detection_instance_to_DETECTION_FEATURES_row).map(([k, v]) => [Number(k), v]));
  for (const expert of ['seg_coco', 'obj_detection'] as const) {
    const ids = inputs.get(`${expert}.label_ids`)!.data as Uint8Array;
    const index = inputs.get(`${expert}.index`)!.data as Uint8Array;
    const table = inputs.get(`${expert}.table`)!.data as Float32Array;
    const plane = 64 * 64;
    for (let b = 0; b < 2; b++) {
      const raster = { width: 64, height: 64, channels: 1, data: ids.subarray(b * plane, (b + 1) * plane) };
      const out = postLabelProcess({ [expert]: raster }, { detectionClasses: classes }, tables);
      const dense = expert === 'seg_coco' ? out.seg_coco! : out.obj_detection!.label;
      for (let p = 0; p < plane; p++) {
        const row = index[b * plane + p];
        for (let d = 0; d < 64; d++) {
          if (dense[d * plane + p] !== table[row * 64 + d]) assert.fail(`${expert} sample ${b} pixel ${p} channel ${d}`);
        }
      }
      if (expert === 'obj_detection') {
        const instance = inputs.get('obj_detection.instance')!.data as Uint8Array;
        assert.deepEqual(out.obj_detection!.instance, Int32Array.from(instance.subarray(b * plane, (b + 1) * plane)));
      }
    }
  }
  const bad = { width: 2, height: 1, channels: 1, data: Uint8Array.from([9, 255]) };
  assert.throws(() => postLabelProcess({ obj_detection: bad }, { detectionClasses: classes }, tables, 'img.jpg'), /img\.jpg: obj_detection instance 9 is in the label image but not in its \.json/);
});
