import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generatePrismShapes } from '../../lib/data/synthetic/generate.js';
import { readAnswerList, readCaptionTestList, readCaptionTrainList, readVqaTestList, readVqaTrainList } from '../../lib/data/formats.js';
import { readFeatureTables } from '../../lib/data/feature-tables.js';
import { readExpertLabels, readOcrWords } from '../../lib/data/expert-labels.js';
import { LabelFallbackCounter } from '../../lib/data/label-fallbacks.js';
import { decodeRgb } from '../../lib/data/decode.js';
import { CaptionDataset, VqaDataset, type DatasetPaths } from '../../lib/data/datasets.js';
import { iteratePrismerBatches, prismerEpochOrder, prismerBatchCount } from '../../lib/data/loader.js';
import { syntheticTextFeature } from '../../lib/data/synthetic/vocabulary.js';
import { sampleScene } from '../../lib/data/synthetic/scene.js';
import { sceneQuestions, shapesOverlap } from '../../lib/data/synthetic/questions.js';
import { SeededRng } from '../../lib/data/rng.js';
import { loadRobertaTokenizer } from '../../lib/text/roberta-bpe.js';
import { loadCaptionReferences } from '../../lib/metrics/caption-io.js';
import { parseVqaAnnotations } from '../../lib/metrics/vqa-io.js';

const root = mkdtempSync(join(tmpdir(), 'prism-shapes-'));

function digest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const a = join(root, 'a');
const ready = generatePrismShapes({ out: a, n: 24, seed: 7, size: 48 });

test('same seed -> byte-identical dataset; another seed differs', async () => {
  await ready;
  const b = join(root, 'b');
  await generatePrismShapes({ out: b, n: 24, seed: 7, size: 48 });
  const c = join(root, 'c');
  await generatePrismShapes({ out: c, n: 24, seed: 8, size: 48 });
  const da = digest(a);
  assert.deepEqual(digest(b), da);
  assert.notDeepEqual(digest(c), da);
  await assert.rejects(generatePrismShapes({ out: a, n: 4, seed: 1 }), /already exists/);
});

test('lists, tables and labels are in the official formats and agree with each other', async () => {
  const s = await ready;
  const data = join(a, 'data');
  const train = readCaptionTrainList(join(data, 'coco_karpathy_train.json'));
  const test_ = readCaptionTestList(join(data, 'coco_karpathy_test.json'));
  const vqaTrain = readVqaTrainList(join(data, 'vqav2_train_val.json'));
  const vqaTest = readVqaTestList(join(data, 'vqav2_test.json'));
  const answers = readAnswerList(join(data, 'answer_list.json'));
  assert.equal(test_.length, s.testScenes);
  assert.equal(train.length, 2 * s.trainScenes);
  for (const q of vqaTrain) assert.ok(answers.includes(q.answer), q.answer);
  // official caption eval parses image ids out of the file name
  assert.equal(Number(test_[0].image.split('/').pop()!.replace(/^[.jpg]+|[.jpg]+$/g, '').split('_').pop()), test_[0].img_id);
  const gt = JSON.parse(readFileSync(join(data, 'vqav2_test_answers.json'), 'utf8')) as Array<{ question_id: number; question_type: string; only_expert: string | null }>;
  assert.deepEqual(gt.map((g) => g.question_id), vqaTest.map((q) => q.question_id));
  assert.ok(gt.every((g) => (g.question_type === 'depth') === (g.only_expert === 'depth')));
  const refs = loadCaptionReferences(join(data, 'coco_karpathy_test_gt.json'));
  assert.equal(refs.captions.size, s.testScenes);
  assert.deepEqual(refs.captions.get(String(test_[0].img_id)), test_[0].caption);
  const annotations = parseVqaAnnotations(JSON.parse(readFileSync(join(data, 'vqav2_test_annotations.json'), 'utf8')), 'vqav2_test_annotations.json');
  assert.deepEqual(annotations.annotations.map((x) => x.question_id), vqaTest.map((q) => q.question_id));
  const tables = readFeatureTables(join(a, 'tables'));
  assert.deepEqual(tables.coco.labels, ['circle', 'square', 'triangle', 'diamond', 'sign']);
  // every image: labels decode at the image size, instance ids have classes, OCR word features match the word
  let signs = 0;
  for (const entry of test_) {
    const img = await decodeRgb(join(data, 'vqav2', entry.image));
    const fallbacks = new LabelFallbackCounter(() => undefined);
    const set = await readExpertLabels({ labelPath: join(a, 'labels'), dataset: 'vqav2', image: entry.image, experts: ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'], imageWidth: img.width, imageHeight: img.height, fallbacks });
    for (const label of Object.values(set.labels)) assert.deepEqual([label.width, label.height], [48, 48]);
    for (const id of new Set(set.labels.obj_detection.data)) if (id !== 255) assert.ok(set.detectionClasses!.has(id), `instance ${id}`);
    const pt = join(a, 'labels', 'ocr_detection', 'vqav2', entry.image.replace('.jpg', '.pt'));
    if (existsSync(pt)) {
      signs++;
      const word = readOcrWords(pt).get(0)!;
      assert.deepEqual(word.features, syntheticTextFeature(word.text));
      assert.ok(set.labels.ocr_detection.data.includes(0));
    } else {
      assert.equal(fallbacks.total, 1);
      assert.ok(set.labels.ocr_detection.data.every((v) => v === 255));
    }
  }
  assert.ok(signs > 0);
  const tok = loadRobertaTokenizer(join(a, 'tokenizer'));
  for (const q of vqaTrain.slice(0, 20)) {
    const text = `<s>${q.question.charAt(0).toUpperCase()}${q.question.slice(1)}`;
    assert.equal(tok.decode(tok.encode(text, false), false), text);
    assert.equal(tok.encode(` ${q.answer}`, false).length, 1, q.answer);
  }
});

function paths(tables: ReturnType<typeof readFeatureTables>, train: boolean): DatasetPaths {
  return {
    dataPath: join(a, 'data'), labelPath: join(a, 'labels'), tables,
    experts: ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'],
    transform: { resolution: 32, labelResolution: 16, train },
    fallbacks: new LabelFallbackCounter(() => undefined),
  };
}

test('loader: batch shapes, padding, seeded order and reproducible augmentation', async () => {
  await ready;
  const tables = readFeatureTables(join(a, 'tables'));
  const vqa = new VqaDataset(paths(tables, false), false, ['vqav2']);
  const batches = [];
  for await (const b of iteratePrismerBatches(vqa, { batchSize: 8, prefetch: 3 })) batches.push(b);
  assert.equal(batches.length, prismerBatchCount(vqa.length, { batchSize: 8 }));
  assert.deepEqual(batches.flatMap((b) => b.indices.filter((_, i) => b.valid[i])), Array.from({ length: vqa.length }, (_, i) => i));
  const last = batches[batches.length - 1];
  const real = vqa.length % 8 || 8;
  assert.equal(last.batchSize, 8);
  assert.equal(last.valid.reduce((x, y) => x + y, 0), real);
  const b0 = batches[0];
  assert.equal(b0.rgb.length, 8 * 3 * 32 * 32);
  assert.equal(b0.experts.depth!.length, 8 * 16 * 16);
  assert.equal(b0.experts.normal!.length, 8 * 3 * 16 * 16);
  assert.equal(b0.experts.seg_coco!.length, 8 * 64 * 16 * 16);
  assert.equal(b0.experts.obj_detection!.instance.length, 8 * 16 * 16);
  assert.equal(b0.questionIds!.length, 8);
  assert.ok(b0.experts.depth!.every((v) => v >= -1 && v <= 1));

  const captions = new CaptionDataset(paths(tables, true), 'train');
  const run = async (prefetch: number) => {
    const out = [];
    for await (const b of iteratePrismerBatches(captions, { batchSize: 4, shuffle: true, seed: 3, epoch: 1, lastBatch: 'drop', prefetch })) out.push(b);
    return out;
  };
  const [x, y] = [await run(1), await run(4)];
  assert.equal(x.length, Math.floor(captions.length / 4));
  assert.deepEqual(x.map((b) => b.indices), y.map((b) => b.indices));
  assert.deepEqual(x[0].rgb, y[0].rgb);
  assert.deepEqual(x[0].experts.seg_coco, y[0].experts.seg_coco);
  assert.ok(x[0].captions!.every((c) => c.startsWith('A picture of')));
  assert.deepEqual(x.flatMap((b) => b.indices), prismerEpochOrder(captions.length, true, 3, 1).slice(0, x.length * 4));
  assert.notDeepEqual(prismerEpochOrder(captions.length, true, 3, 1), prismerEpochOrder(captions.length, true, 3, 2));

  // worker threads give the same batches, and forward label fallbacks to the main counter
  const viaWorkers = [];
  const counted = new LabelFallbackCounter(() => undefined);
  const captions2 = new CaptionDataset({ ...paths(tables, true), fallbacks: counted }, 'train');
  for await (const b of iteratePrismerBatches(captions2, { batchSize: 4, shuffle: true, seed: 3, epoch: 1, lastBatch: 'drop', workers: 2 })) viaWorkers.push(b);
  assert.deepEqual(viaWorkers.map((b) => b.indices), x.map((b) => b.indices));
  assert.deepEqual(viaWorkers[1].rgb, x[1].rgb);
  assert.deepEqual(viaWorkers[1].experts.obj_detection, x[1].experts.obj_detection);
  assert.deepEqual(viaWorkers[1].experts.ocr_detection, x[1].experts.ocr_detection);
  assert.ok(counted.total > 0, 'OCR fallbacks of sign-less images reach the main thread');
});

test('questions: spatial and depth name the extreme shape\'s colour, yes/no asks about one attribute, in_scene lists the scene\'s values', () => {
  const rng = new SeededRng(5);
  const yes = { colour: 0, kind: 0, total: 0 };
  let depth = 0;
  for (let i = 0; i < 400; i++) {
    const scene = sampleScene(i, rng);
    const colours = [...new Set(scene.shapes.map((s) => s.colour))].sort();
    for (const q of sceneQuestions(scene, rng)) {
      if (q.type === 'spatial') {
        const side = /what color is the (left|right)most shape\?/.exec(q.question)![1];
        const sorted = scene.shapes.slice().sort((a, b) => (side === 'left' ? a.cx - b.cx : b.cx - a.cx));
        assert.ok(scene.shapes.length >= 2 && sorted[1]!.cx !== sorted[0]!.cx);
        assert.equal(q.answer, sorted[0]!.colour);
      }
      if (q.type === 'depth') {
        depth++;
        assert.equal(q.question, 'what color is the nearest shape?');
        const nearest = scene.shapes.reduce((a, b) => (b.disparity > a.disparity ? b : a));
        assert.equal(q.answer, nearest.colour);
        assert.equal(scene.shapes.filter((s) => s.colour === nearest.colour).length, 1, 'the colour names one shape');
        assert.ok(scene.shapes.every((a, j) => scene.shapes.every((b, k) => j >= k || !shapesOverlap(a, b))), 'no occlusion cue');
        assert.equal(q.onlyExpert, 'depth');
      }
      if (q.type === 'yesno') {
        const byColour = /is there a (\w+) shape\?/.exec(q.question);
        const byKind = /is there a (\w+)\?/.exec(q.question);
        const present = byColour ? scene.shapes.some((s) => s.colour === byColour[1]) : scene.shapes.some((s) => s.kind === byKind![1]);
        assert.equal(q.answer, present ? 'yes' : 'no', q.question);
        yes.total++;
        if (q.answer === 'yes') yes[byColour ? 'colour' : 'kind']++;
      }
      if (q.type === 'colour' || q.type === 'spatial' || q.type === 'depth') assert.deepEqual(q.inScene, colours);
      if (q.type === 'shape') assert.deepEqual(q.inScene, [...new Set(scene.shapes.map((s) => s.kind))].sort());
      if (q.type === 'count' || q.type === 'text' || q.type === 'yesno') assert.equal(q.inScene, undefined);
      if (q.inScene) assert.ok(q.inScene.includes(q.answer));
    }
  }
  assert.ok(depth > 50, `${depth} depth questions in 400 scenes`);
  const yesShare = (yes.colour + yes.kind) / yes.total;
  assert.ok(yesShare > 0.4 && yesShare < 0.6, `yes/no balanced: ${yesShare}`);
});
