import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelFilePath, readExpertLabels } from '../../lib/data/expert-labels.js';
import { LabelFallbackCounter } from '../../lib/data/label-fallbacks.js';
import { postLabelProcess } from '../../lib/data/post-label.js';
import { readFeatureTables } from '../../lib/data/feature-tables.js';
import { encodePng } from '../../lib/data/synthetic/png.js';
import { serializeTorchPickle } from '../../lib/data/torch-save.js';

test('label paths follow the official layout and extension replacement', () => {
  assert.equal(labelFilePath('/L', 'depth', 'vqav2', 'val2014/COCO_1.jpg', '.png'), '/L/depth/vqav2/val2014/COCO_1.png');
  assert.equal(labelFilePath('/L', 'obj_detection', 'vg', 'VG/2.jpeg', '.json'), '/L/obj_detection/vg/VG/2.json');
  // Python's str.replace replaces every occurrence
  assert.equal(labelFilePath('/L', 'edge', 'x', 'a.jpg.jpg', '.png'), '/L/edge/x/a.png.png');
});

test('missing and empty label files fall back like the official code, counted once per (expert, reason)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-labels-'));
  const image = 'img/p1.jpg';
  const grey = { width: 4, height: 3, channels: 1, data: Uint8Array.from([0, 1, 1, 255, 0, 0, 1, 255, 255, 255, 255, 255]) };
  const put = (expert: string, ext: string, data: string | Uint8Array) => {
    const p = labelFilePath(root, expert, 'ds', image, ext as '.png');
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
  };
  put('depth', '.png', ''); // empty: official zeros
  put('obj_detection', '.png', encodePng(grey));
  put('obj_detection', '.json', JSON.stringify({ 0: 1, 1: 3 }));
  put('ocr_detection', '.png', encodePng(grey));
  put('ocr_detection', '.pt', serializeTorchPickle({ dict: [[0, { dict: [['features', { tensor: new Float32Array(64).fill(0.5), shape: [64] }], ['text', 'stop']] }], [1, { dict: [['features', { tensor: new Float32Array(64).fill(-2), shape: [64] }], ['text', 'go']] }]] }));
  const messages: string[] = [];
  const fallbacks = new LabelFallbackCounter((m) => messages.push(m));
  const experts = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'] as const;
  const set = await readExpertLabels({ labelPath: root, dataset: 'ds', image, experts, imageWidth: 4, imageHeight: 3, fallbacks });
  assert.deepEqual(set.labels.depth.data, new Uint8Array(12));
  assert.deepEqual(set.labels.normal.data, new Uint8Array(36));
  assert.deepEqual(set.labels.obj_detection.data, grey.data);
  assert.equal(set.ocrWords!.get(1)!.text, 'go');
  assert.deepEqual(fallbacks.entries().map((e) => `${e.expert}:${e.reason}:${e.count}`).sort(), ['depth:empty:1', 'edge:missing:1', 'normal:missing:1', 'seg_coco:missing:1']);
  // a second image with the same problems adds counts but no new messages
  await readExpertLabels({ labelPath: root, dataset: 'ds', image, experts: ['depth'], imageWidth: 4, imageHeight: 3, fallbacks });
  assert.equal(messages.length, 4);
  assert.equal(fallbacks.total, 5);
  assert.match(fallbacks.summary(), /depth: 2 label file\(s\) empty/);

  const tables = readFeatureTables('test/fixtures/feature-tables');
  const inputs = postLabelProcess(set.labels, set, tables);
  assert.ok(inputs.depth!.every((v) => v === -1), 'all-zero depth maps to -1 (official eps behaviour)');
  assert.deepEqual(Array.from(inputs.seg_coco!.subarray(0, 1)), [tables.coco.features[0]]);
  const plane = 12;
  assert.equal(inputs.ocr_detection![1], -2); // pixel 1 holds word 1
  assert.equal(inputs.ocr_detection![0], 0.5);
  assert.equal(inputs.obj_detection!.label[3], tables.background[0]);
  assert.equal(inputs.obj_detection!.label[1], tables.detection.features[3 * 64]);
  assert.equal(inputs.obj_detection!.label[plane + 1], tables.detection.features[3 * 64 + 1]);

  // OCR: the official code falls back only when the .pt is absent
  const other = 'img/p2.jpg';
  const set2 = await readExpertLabels({ labelPath: root, dataset: 'ds', image: other, experts: ['ocr_detection', 'obj_detection'], imageWidth: 2, imageHeight: 2, fallbacks });
  assert.deepEqual(set2.labels.ocr_detection.data, new Uint8Array(4).fill(255));
  assert.equal(set2.ocrWords, null);
  assert.deepEqual(set2.labels.obj_detection.data, new Uint8Array(4).fill(255));
  // a label image without its detection json is an error naming both files
  put('obj_detection', '.png', encodePng(grey));
  const lonely = 'img/p3.jpg';
  const p3 = labelFilePath(root, 'obj_detection', 'ds', lonely, '.png');
  writeFileSync(p3, encodePng(grey));
  await assert.rejects(readExpertLabels({ labelPath: root, dataset: 'ds', image: lonely, experts: ['obj_detection'], imageWidth: 4, imageHeight: 3, fallbacks }), /p3\.json: missing \(obj_detection needs the instance -> class map/);
});
