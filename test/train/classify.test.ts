// Few-shot classification data and scoring: the official ImageNet folder layout, class files, shots,
// the Prism Shapes variant and top-1 accuracy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseExperimentConfig } from '../../lib/config/index.js';
import { generatePrismShapes } from '../../lib/data/synthetic/generate.js';
import { ensureShapesClassification } from '../../lib/train/classify-shapes.js';
import { classificationDatasets, listClassificationEntries, readClassificationClasses, scoreClassification } from '../../lib/train/classify.js';
import { prepareExperiment } from '../../lib/train/experiment.js';

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'prismer-cls-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const classFiles = {
  'imagenet/imagenet_answer.json': JSON.stringify(['Tench', 'Goldfish', 'Great white shark']),
  'imagenet/imagenet_class.json': JSON.stringify({ n01440764: 0, n01443537: '1', n01491361: 2 }),
};

test('class names and the folder -> index map are read and checked against each other', () => {
  const root = folder(classFiles);
  const { answers, classIndex } = readClassificationClasses(root);
  assert.deepEqual(answers, ['Tench', 'Goldfish', 'Great white shark']);
  assert.deepEqual([...classIndex], [['n01440764', 0], ['n01443537', 1], ['n01491361', 2]]);
  const past = folder({ ...classFiles, 'imagenet/imagenet_class.json': JSON.stringify({ n01440764: 3 }) });
  assert.throws(() => readClassificationClasses(past), /imagenet_class\.json: entry 'n01440764': index 3 is past the end of .*imagenet_answer\.json \(3 class names\)/);
  const bad = folder({ ...classFiles, 'imagenet/imagenet_class.json': '["n01440764"]' });
  assert.throws(() => readClassificationClasses(bad), /imagenet_class\.json: expected an object/);
  assert.throws(() => readClassificationClasses(folder({})), /imagenet_answer\.json/);
});

test('train lists take the first `shots` .JPEG files of each class (sorted); test lists take all', () => {
  const root = folder({
    ...classFiles,
    'imagenet_train/n01443537/b.JPEG': '', 'imagenet_train/n01443537/a.JPEG': '', 'imagenet_train/n01443537/c.JPEG': '',
    'imagenet_train/n01440764/z.JPEG': '', 'imagenet_train/n01440764/notes.txt': '',
    'imagenet/n01491361/q.JPEG': '', 'imagenet/n01491361/p.JPEG': '',
  });
  const { classIndex } = readClassificationClasses(root);
  assert.deepEqual(listClassificationEntries(root, true, classIndex, 2), [
    { image: 'n01440764/z.JPEG', className: 'n01440764', label: 0 },
    { image: 'n01443537/a.JPEG', className: 'n01443537', label: 1 },
    { image: 'n01443537/b.JPEG', className: 'n01443537', label: 1 },
  ]);
  assert.equal(listClassificationEntries(root, true, classIndex, null).length, 4);
  assert.deepEqual(listClassificationEntries(root, false, classIndex, 1).map((e) => e.image), ['n01491361/p.JPEG', 'n01491361/q.JPEG']);
  const unknown = folder({ ...classFiles, 'imagenet_train/n09999999/a.JPEG': '' });
  assert.throws(() => listClassificationEntries(unknown, true, classIndex, 1), /imagenet_class\.json: no entry for the class folder 'n09999999'/);
});

test('top-1 accuracy overall and per class', () => {
  const p = (cls: string, label: number, prediction: number) => ({ image: `${cls}/x.JPEG`, class: cls, label, prediction, answer: String(prediction) });
  const scores = scoreClassification([p('b', 1, 1), p('a', 0, 0), p('a', 0, 1), p('a', 0, 0)]);
  assert.equal(scores.accuracy, 0.75);
  assert.equal(scores.count, 4);
  assert.deepEqual(scores.perClass, { a: 2 / 3, b: 1 });
  assert.throws(() => scoreClassification([]), /no predictions/);
});

test('Prism Shapes classification: single-shape scenes by kind, with labels, in the official layout', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prismer-cls-shapes-'));
  const shapes = join(root, 'shapes');
  await generatePrismShapes({ out: shapes, n: 200, seed: 0, size: 32, testFraction: 0.5 });
  const data = join(shapes, 'data');
  const labels = join(shapes, 'labels');
  const built = ensureShapesClassification(data, labels);
  assert.equal(built.built, true);
  assert.deepEqual(JSON.parse(readFileSync(join(data, 'imagenet', 'imagenet_answer.json'), 'utf8')), ['circle', 'square', 'triangle', 'diamond']);
  assert.deepEqual(readdirSync(join(data, 'imagenet_train')).sort(), ['circle', 'diamond', 'square', 'triangle']);
  for (const [folderName, split] of [['imagenet_train', 'train'], ['imagenet', 'test']] as const) {
    for (const kind of ['circle', 'square', 'triangle', 'diamond']) {
      const files = readdirSync(join(data, folderName, kind));
      assert.equal(files.length, built.perClass[kind]![split]);
      for (const file of files) {
        assert.match(file, /^prism_\d{12}\.JPEG$/);
        // The obj_detection label says one shape, of this kind.
        const classes = Object.values(JSON.parse(readFileSync(join(labels, 'obj_detection', folderName, kind, file.replace('.JPEG', '.json')), 'utf8')) as Record<string, number>);
        assert.deepEqual(classes, [['circle', 'square', 'triangle', 'diamond'].indexOf(kind)]);
        for (const expert of ['depth', 'normal', 'edge', 'seg_coco']) assert.ok(existsSync(join(labels, expert, folderName, kind, file.replace('.JPEG', '.png'))), `${expert} label of ${file}`);
      }
    }
  }
  assert.equal(ensureShapesClassification(data, labels).built, false, 'a finished build is reused');

  // Through the experiment: shots per class, captions '{prefix} {kind}', test set deterministic for Prism Shapes.
  const config = parseExperimentConfig({
    task: 'classification', dataset: 'shapes', data_path: data, label_path: labels, image_resolution: 32, prismer_model: 'prismer_tiny',
    shots: 2, prefix: 'A picture of a', batch_size_train: 2, batch_size_test: 4, init_lr: 1e-3, max_epoch: 1,
    data: { source: 'synthetic', synthetic: { seed: 0, train_images: 100, test_images: 100, image_size: 32 } },
  });
  const setup = await prepareExperiment(config);
  const { train, test: testSet, testAugment } = classificationDatasets(setup);
  assert.equal(train.length, 8);
  assert.equal(testSet.length, built.testImages);
  assert.equal(testAugment, false);
  const sample = await train.load(0);
  assert.equal(sample.caption, `A picture of a ${train.entries[0]!.className}`);
  assert.equal(sample.rgb.length, 3 * 32 * 32);
  assert.equal((await testSet.load(0)).caption, undefined);

  // With augmentation, the official test set goes through the random train transform too (Transform(train=True));
  // data.augment_test: false turns that quirk off.
  const augmented = classificationDatasets({ ...setup, augment: true });
  assert.deepEqual([augmented.testAugment, augmented.test.augments, augmented.train.augments], [true, true, true]);
  const plainTest = classificationDatasets({ ...setup, augment: true, config: { ...config, data: { ...config.data, augment_test: false } } });
  assert.deepEqual([plainTest.testAugment, plainTest.test.augments], [false, false]);
});
