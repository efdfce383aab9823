import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPaperTable, paperCheckpointName, parsePaperTable } from '../../lib/experiment/paper.js';

test('configs/paper/main.yaml holds the official README\'s checkpoint table and tolerances', () => {
  const table = loadPaperTable('main');
  assert.deepEqual(table.tolerance, { CIDEr: 1.0, vqa_accuracy: 0.1 });
  assert.deepEqual(table.columns.map((c) => c.key), ['coco_zero_shot', 'coco_finetuned', 'vqav2_test_dev']);
  const values = Object.fromEntries(table.rows.map((r) => [r.model, [r.values.coco_zero_shot, r.values.coco_finetuned, r.values.vqav2_test_dev]]));
  // The README of NVlabs/prismer @4f27ab3 ("Experiments").
  assert.deepEqual(values, {
    'PrismerZ-BASE': [109.6, 133.7, 76.58], 'Prismer-BASE': [122.6, 135.1, 76.84],
    'PrismerZ-LARGE': [124.8, 135.7, 77.49], 'Prismer-LARGE': [129.7, 136.5, 78.42],
  });
  assert.match(table.source.table!, /NVlabs\/prismer README/);
  const zeroShot = table.columns[0]!;
  assert.equal(zeroShot.prefix, '');
  assert.equal(paperCheckpointName(table.rows[1]!, zeroShot), 'pretrain_prismer_base');
  assert.equal(paperCheckpointName(table.rows[2]!, table.columns[2]!), 'vqa_prismerz_large');
});

test('parsePaperTable names the file and key of a bad entry', () => {
  const good = { name: 't', source: {}, tolerance: { CIDEr: 1 }, columns: { c: { task: 'caption', checkpoint: 'caption', metric: 'CIDEr' } }, rows: [{ model: 'M', family: 'prismer', size: 'base', c: 1 }] };
  assert.equal(parsePaperTable(good, 'x.yaml').rows[0]!.values.c, 1);
  assert.throws(() => parsePaperTable({ ...good, rows: [{ model: 'M', family: 'prismer', size: 'huge' }] }, 'x.yaml'), /x.yaml: rows\[0\].size: expected 'base' or 'large'/);
  assert.throws(() => parsePaperTable({ ...good, tolerance: {} }, 'x.yaml'), /x.yaml: tolerance.CIDEr/);
  assert.throws(() => parsePaperTable({ ...good, rows: [{ model: 'M', family: 'prismer', size: 'base', c: '1' }] }, 'x.yaml'), /rows\[0\].c: expected a number/);
  assert.throws(() => loadPaperTable('no-such-table'), /configs\/paper\/no-such-table.yaml not found/);
});
