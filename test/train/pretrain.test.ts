// Pre-training data: img2dataset web folders, the official source lists and the Pretrain dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseExperimentConfig } from '../../lib/config/index.js';
import { readFeatureTables } from '../../lib/data/feature-tables.js';
import { generatePrismShapes } from '../../lib/data/synthetic/generate.js';
import { preCaption } from '../../lib/text/preprocess.js';
import { listPretrainEntries, listWebImageCaptions, PretrainDataset, pretrainSourceRoot } from '../../lib/train/pretrain.js';

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'prismer-web-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

test('img2dataset folders: captions from .txt (first line) or the .json caption field, shards and keys sorted', () => {
  const root = folder({
    '00001/000010000.jpg': 'x', '00001/000010000.txt': 'a dog on a beach\nsecond line\n', '00001/000010000.json': '{"caption": "ignored"}',
    '00000/000000001.jpg': 'x', '00000/000000001.json': '{"url": "http://x", "caption": "a red bus", "status": "success"}',
    '00000/000000000.jpg': 'x', '00000/000000000.txt': 'two cats',
    '00000/000000002.png': 'x', '00000_stats.json': '{}', '00000.parquet': '',
  });
  assert.deepEqual(listWebImageCaptions(root), [
    { image: '00000/000000000.jpg', caption: 'two cats' },
    { image: '00000/000000001.jpg', caption: 'a red bus' },
    { image: '00001/000010000.jpg', caption: 'a dog on a beach\n' },
  ]);
});

test('img2dataset folders: a missing, empty or malformed caption names the file', () => {
  assert.throws(() => listWebImageCaptions(folder({ '00000/1.jpg': 'x' })), /00000\/1\.jpg: no caption \(neither 1\.txt nor 1\.json/);
  assert.throws(() => listWebImageCaptions(folder({ '00000/1.jpg': 'x', '00000/1.txt': '\nlater' })), /00000\/1\.txt: first line is empty/);
  assert.throws(() => listWebImageCaptions(folder({ '00000/1.jpg': 'x', '00000/1.json': '{"caption": ' })), /00000\/1\.json: not valid JSON/);
  assert.throws(() => listWebImageCaptions(folder({ '00000/1.jpg': 'x', '00000/1.json': '{"url": "u"}' })), /00000\/1\.json: field 'caption' must be a non-empty string/);
  assert.throws(() => listWebImageCaptions('/nonexistent/cc12m'), /\/nonexistent\/cc12m: web image folder not found/);
});

test('the sources are read from their own roots (data_path when empty), in the official order', () => {
  const coco = folder({ 'coco_karpathy_train.json': JSON.stringify([{ image: 'train2014/a.jpg', caption: 'a man', image_id: 'a' }]) });
  const vg = folder({ 'vg_caption.json': JSON.stringify([{ image: '/data/visual-genome/VG_100K/7.jpg', caption: 'a tree' }]) });
  const web = folder({ 'cc3m_sgu/00000/0.jpg': 'x', 'cc3m_sgu/00000/0.txt': 'a boat' });
  const config = parseExperimentConfig({
    task: 'pretrain', datasets: ['vg', 'coco', 'cc3m_sgu'], data_path: coco, cc3m_data_path: web, vg_data_path: vg,
    batch_size_train: 2, batch_size_test: 2, init_lr: 1e-4, max_epoch: 1,
  });
  assert.equal(pretrainSourceRoot(config, 'coco'), coco);
  assert.deepEqual(listPretrainEntries(config), [
    { source: 'cc3m_sgu', root: web, folder: 'cc3m_sgu', image: '00000/0.jpg', caption: 'a boat' },
    { source: 'coco', root: coco, folder: 'vqav2', image: 'train2014/a.jpg', caption: 'a man' },
    { source: 'vg', root: vg, folder: 'vg', image: 'VG_100K/7.jpg', caption: 'a tree' },
  ]);
  const broken = parseExperimentConfig({ ...config, datasets: ['vg'], vg_data_path: coco });
  assert.throws(() => listPretrainEntries(broken), /vg_caption\.json/);
});

test('PretrainDataset loads web and COCO-list images with their labels; captions go through pre_caption without prefix', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-pretrain-'));
  await generatePrismShapes({ out: join(root, 'shapes'), n: 4, seed: 3, size: 32 });
  const data = join(root, 'shapes', 'data');
  const labels = join(root, 'shapes', 'labels');
  // An img2dataset shard made of the first scene, its labels in the official {expert}/cc12m/{shard}/{key}.png layout.
  const web = join(root, 'web');
  mkdirSync(join(web, 'cc12m', '00000'), { recursive: true });
  linkSync(join(data, 'vqav2', 'shapes', 'prism_000000000001.jpg'), join(web, 'cc12m', '00000', '000000000.jpg'));
  writeFileSync(join(web, 'cc12m', '00000', '000000000.txt'), 'A Red  circle, near a sign!\n');
  for (const expert of ['depth', 'edge']) {
    mkdirSync(join(labels, expert, 'cc12m', '00000'), { recursive: true });
    linkSync(join(labels, expert, 'vqav2', 'shapes', 'prism_000000000001.png'), join(labels, expert, 'cc12m', '00000', '000000000.png'));
  }
  const config = parseExperimentConfig({
    task: 'pretrain', datasets: ['cc12m', 'coco'], data_path: data, cc12m_data_path: web, label_path: labels, experts: ['depth', 'edge'],
    image_resolution: 32, batch_size_train: 2, batch_size_test: 2, init_lr: 1e-4, max_epoch: 1,
  });
  const entries = listPretrainEntries(config);
  assert.equal(entries[0]!.source, 'cc12m');
  assert.ok(entries.length > 1 && entries.slice(1).every((e) => e.source === 'coco' && e.folder === 'vqav2'));
  const dataset = new PretrainDataset({
    dataPath: data, labelPath: labels, experts: ['depth', 'edge'], tables: readFeatureTables(join(root, 'shapes', 'tables')),
    transform: { resolution: 32, labelResolution: 32, train: false },
  }, entries);
  const web0 = await dataset.load(0);
  // pre_caption: capitalize(), punctuation to spaces, runs of whitespace (the newline too) to one space, strip.
  assert.equal(web0.caption, 'A red circle, near a sign');
  assert.equal(web0.rgb.length, 3 * 32 * 32);
  assert.equal(dataset.fallbacks.total, 0, 'the web image found its labels');
  const coco = await dataset.load(1);
  assert.equal(coco.caption, preCaption(entries[1]!.caption, 30));
  assert.ok(!coco.caption!.startsWith('A picture of'), 'no prefix in pre-training');
  // The random transform (pre-training crop scale) is seeded: same seed, same sample; another seed differs.
  const augmented = new PretrainDataset({
    dataPath: data, labelPath: labels, experts: ['depth', 'edge'], tables: readFeatureTables(join(root, 'shapes', 'tables')),
    transform: { resolution: 32, labelResolution: 32, train: true, scale: [0.5, 1.5] },
  }, entries);
  const [a, b, c] = [await augmented.load(0, 7), await augmented.load(0, 7), await augmented.load(0, 8)];
  assert.deepEqual(a.rgb, b.rgb);
  assert.notDeepEqual(a.rgb, c.rgb);
});
