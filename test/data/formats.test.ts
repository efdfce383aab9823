import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readAnswerList, readCaptionTestList, readCaptionTrainList, readVqaTestList, readVqaTrainList, parseClassIndex, vqaEntryWeight,
} from '../../lib/data/formats.js';
import { parseDetectionClasses } from '../../lib/data/expert-labels.js';

const dir = mkdtempSync(join(tmpdir(), 'prismer-formats-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('caption train list: valid entries read, malformed ones name file, entry and field', () => {
  const good = file('coco_karpathy_train.json', JSON.stringify([{ image: 'val2014/a.jpg', caption: 'a cat', image_id: 'coco_1' }]));
  assert.deepEqual(readCaptionTrainList(good), [{ image: 'val2014/a.jpg', caption: 'a cat', image_id: 'coco_1' }]);
  const bad = file('bad_train.json', JSON.stringify([{ image: 'a.jpg', caption: 'x' }, { image: 'b.jpg', caption: 3 }]));
  assert.throws(() => readCaptionTrainList(bad), (e: Error) => e.message.includes('bad_train.json: entry 1') && e.message.includes("'caption' must be a string"));
  const notJson = file('broken.json', '[{"image": "a.jpg",');
  assert.throws(() => readCaptionTrainList(notJson), /broken\.json: not valid JSON/);
  const notArray = file('obj.json', '{"image": "a.jpg"}');
  assert.throws(() => readCaptionTrainList(notArray), /obj\.json: expected a JSON array/);
  const missing = file('missing_image.json', JSON.stringify([{ caption: 'x' }]));
  assert.throws(() => readCaptionTrainList(missing), /entry 0: field 'image' must be a string, got nothing/);
});

test('caption test lists: karpathy caption lists and nocaps img_id', () => {
  const karpathy = file('coco_karpathy_test.json', JSON.stringify([{ image: 'a.jpg', caption: ['one', 'two'] }]));
  assert.deepEqual(readCaptionTestList(karpathy)[0].caption, ['one', 'two']);
  const nocaps = file('nocaps_val.json', JSON.stringify([{ image: 'b.jpg', img_id: 7 }]));
  assert.equal(readCaptionTestList(nocaps)[0].img_id, 7);
  const bad = file('bad_test.json', JSON.stringify([{ image: 'a.jpg', caption: ['ok', 5] }]));
  assert.throws(() => readCaptionTestList(bad), /bad_test\.json: entry 0: field 'caption' must be a string or a list of strings/);
  const badId = file('bad_id.json', JSON.stringify([{ image: 'a.jpg', img_id: [1] }]));
  assert.throws(() => readCaptionTestList(badId), /entry 0: field 'img_id' must be a string or number/);
});

test('VQA train lists: weights, vg default weight, answer lists rejected with a hint', () => {
  const good = file('vqav2_train_val.json', JSON.stringify([
    { image: 'a.jpg', question: 'what?', answer: 'net', weight: 0.5, dataset: 'vqa', question_id: 3 },
    { image: 'v.jpg', question: 'who?', answer: 'man', dataset: 'vg' },
  ]));
  const list = readVqaTrainList(good);
  assert.equal(vqaEntryWeight(list[0]), 0.5);
  assert.equal(vqaEntryWeight(list[1]), 0.2);
  const lists = file('vqa_lists.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', answer: ['a', 'b'], weight: 1, dataset: 'vqa' }]));
  assert.throws(() => readVqaTrainList(lists), /vqa_lists\.json: entry 0: field 'answer' must be a string, got an array \(the official lists hold one answer per entry/);
  const noWeight = file('vqa_noweight.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', answer: 'a', dataset: 'vqa' }]));
  assert.throws(() => readVqaTrainList(noWeight), /entry 0: field 'weight' is required for dataset 'vqa'/);
  const badSource = file('vqa_source.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', answer: 'a', weight: 1, dataset: 'coco' }]));
  assert.throws(() => readVqaTrainList(badSource), /entry 0: field 'dataset' must be 'vqa' or 'vg', got string "coco"/);
  const negative = file('vqa_negative.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', answer: 'a', weight: -1, dataset: 'vqa' }]));
  assert.throws(() => readVqaTrainList(negative), /field 'weight' must be a non-negative number/);
});

test('VQA test list needs integer question ids', () => {
  const good = file('vqav2_test.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', question_id: 12, dataset: 'vqa' }]));
  assert.equal(readVqaTestList(good)[0].question_id, 12);
  const bad = file('vqa_test_bad.json', JSON.stringify([{ image: 'a.jpg', question: 'q?', question_id: '12', dataset: 'vqa' }]));
  assert.throws(() => readVqaTestList(bad), /vqa_test_bad\.json: entry 0: field 'question_id' must be an integer, got string "12"/);
});

test('answer list: strings only, no empties, no repeats', () => {
  assert.deepEqual(readAnswerList(file('answer_list.json', '["yes", "no", "2"]')), ['yes', 'no', '2']);
  assert.throws(() => readAnswerList(file('answers_num.json', '["yes", 2]')), /answers_num\.json: entry 1: expected a string, got number 2/);
  assert.throws(() => readAnswerList(file('answers_dup.json', '["yes", "no", "yes"]')), /answers_dup\.json: entry 2: answer "yes" repeats entry 0/);
  assert.throws(() => readAnswerList(file('answers_empty.json', '["yes", " "]')), /entry 1: answer must not be empty/);
});

test('imagenet class index and detection json', () => {
  assert.deepEqual([...parseClassIndex('{"n01440764": 0, "n01443537": "1"}', 'imagenet_class.json')], [['n01440764', 0], ['n01443537', 1]]);
  assert.throws(() => parseClassIndex('{"n0": -1}', 'imagenet_class.json'), /imagenet_class\.json: entry 'n0': expected a non-negative integer index/);
  assert.deepEqual([...parseDetectionClasses('{"0": 5, "1": 17}', 'x.json')], [[0, 5], [1, 17]]);
  assert.throws(() => parseDetectionClasses('{"a": 5}', 'det.json'), /det\.json: key 'a' is not an instance id/);
  assert.throws(() => parseDetectionClasses('{"0": "car"}', 'det.json'), /det\.json: instance '0': class id must be a non-negative integer, got "car"/);
});

test('img2dataset and class folders: sorted listing, captions from .txt, shots', async () => {
  const { mkdirSync } = await import('node:fs');
  const { listImageCaptionFolder, listClassificationImages } = await import('../../lib/data/folders.js');
  const root = join(dir, 'cc12m');
  mkdirSync(join(root, '00001'), { recursive: true });
  mkdirSync(join(root, '00000'), { recursive: true });
  writeFileSync(join(root, '00001', '000010.jpg'), 'x');
  writeFileSync(join(root, '00001', '000010.txt'), 'a dog on grass\nsecond line');
  writeFileSync(join(root, '00000', '000002.jpg'), 'x');
  writeFileSync(join(root, '00000', '000002.txt'), 'a cat');
  const list = listImageCaptionFolder(root);
  assert.deepEqual(list.map((e) => e.caption), ['a cat', 'a dog on grass\n']);
  writeFileSync(join(root, '00000', '000003.jpg'), 'x');
  assert.throws(() => listImageCaptionFolder(root), /000003\.txt: missing caption file/);
  const imagenet = join(dir, 'imagenet_train');
  for (const c of ['n2', 'n1']) {
    mkdirSync(join(imagenet, c), { recursive: true });
    for (const f of ['b.JPEG', 'a.JPEG', 'c.JPEG']) writeFileSync(join(imagenet, c, f), 'x');
  }
  assert.deepEqual(listClassificationImages(imagenet, 2).map((e) => `${e.className}/${e.image.split('/').pop()}`), ['n1/a.JPEG', 'n1/b.JPEG', 'n2/a.JPEG', 'n2/b.JPEG']);
});
