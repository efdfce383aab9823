import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  loadCaptionReferences, loadCaptionResults, loadVqaAnnotations, loadVqaQuestions, loadVqaResults,
  parseCaptionReferences, parseCaptionResults, parseVqaAnnotations, parseVqaResults, scoreCaptions, scoreVqa,
} from '../../lib/metrics/index.js';

const dir = mkdtempSync(join(tmpdir(), 'prismer-metrics-'));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('caption loaders: empty, unreadable and invalid JSON files are named in the error', () => {
  const empty = file('empty.json', '  \n');
  assert.throws(() => loadCaptionReferences(empty), new RegExp(`^Error: ${empty}: the file is empty`));
  const broken = file('broken.json', '{"1": [');
  assert.throws(() => loadCaptionResults(broken), new RegExp(`^Error: ${broken}: not valid JSON`));
  assert.throws(() => loadCaptionResults(join(dir, 'missing.json')), /missing\.json: cannot read the file \(ENOENT\)/);
});

test('caption references: wrong shapes name the file and the first offending entry', () => {
  assert.throws(() => parseCaptionReferences([], 'refs.json'), /^Error: refs\.json: expected an object/);
  assert.throws(() => parseCaptionReferences({ 1: ['a'], 2: 'a cat' }, 'refs.json'), /^Error: refs\.json: image "2" must map to an array of captions, got a string/);
  assert.throws(() => parseCaptionReferences({ 1: ['a', 5] }, 'refs.json'), /^Error: refs\.json: image "1" caption 1 must be a string, got 5/);
  assert.throws(() => parseCaptionReferences({ 3: [] }, 'refs.json'), /image "3" has no reference captions/);
  assert.throws(() => parseCaptionReferences({}, 'refs.json'), /refs\.json: no images/);
  assert.throws(
    () => parseCaptionReferences({ annotations: [{ image_id: 1, caption: 'a' }, { image_id: 2 }] }, 'coco.json'),
    /^Error: coco\.json: annotations\[1\]\.caption must be a string, got undefined \(image_id 2\)/,
  );
  assert.throws(() => parseCaptionReferences({ annotations: [{ image_id: 1.5, caption: 'a' }] }, 'coco.json'), /annotations\[0\]\.image_id must be an integer or string, got 1\.5/);
});

test('caption results: duplicates, wrong shapes and missing references name the entry', () => {
  assert.throws(
    () => parseCaptionResults([{ image_id: 1, caption: 'a' }, { image_id: 2, caption: 'b' }, { image_id: 1, caption: 'c' }], 'res.json'),
    /^Error: res\.json: duplicate result for image_id 1 at entry \[2\]/,
  );
  assert.throws(() => parseCaptionResults([{ image_id: 1, caption: 'a' }, { image_id: 2, text: 'b' }], 'res.json'), /^Error: res\.json: entry \[1\]\.caption must be a string/);
  assert.throws(() => parseCaptionResults([], 'res.json'), /res\.json: the results list is empty/);
  assert.throws(() => parseCaptionResults('a cat', 'res.json'), /expected a list \[\{image_id, caption\}\] or an object/);
  const refs = file('refs.json', JSON.stringify({ 1: ['a cat'], 2: ['a dog'] }));
  const res = file('res.json', JSON.stringify([{ image_id: 2, caption: 'a dog' }, { image_id: 9, caption: 'a bird' }]));
  assert.throws(() => scoreCaptions(loadCaptionReferences(refs), loadCaptionResults(res)), new RegExp(`^Error: ${res}: image_id 9 has no reference captions in ${refs}`));
});

test('caption inputs: {image_id: caption} results and gzip files are accepted', () => {
  const refs = file('refs.json.gz', gzipSync(JSON.stringify({ 1: ['a cat on a mat'], 2: ['a dog in a park'] })));
  const res = file('res-map.json', JSON.stringify({ 1: 'a cat on a mat', 2: ['a dog'] }));
  const scores = scoreCaptions(loadCaptionReferences(refs), loadCaptionResults(res));
  assert.deepEqual(scores.perImage.map((p) => p.image_id), [1, 2]);
  assert.equal(scores.perImage[0].ROUGE_L, 1);
});

const answers = (word: string) => Array.from({ length: 10 }, (_, i) => ({ answer: word, answer_confidence: 'yes', answer_id: i + 1 }));
const annotationFile = {
  annotations: [
    { question_id: 10, image_id: 1, question_type: 'what color', answer_type: 'other', answers: answers('red') },
    { question_id: 11, image_id: 1, question_type: 'is the', answer_type: 'yes/no', answers: answers('yes') },
  ],
};

test('VQA inputs: wrong shapes name the file and the first offending entry', () => {
  assert.throws(() => parseVqaAnnotations({ annotations: [] }, 'ann.json'), /ann\.json: "annotations" is empty/);
  assert.throws(
    () => parseVqaAnnotations({ annotations: [annotationFile.annotations[0], { question_id: 12, question_type: 'what', answer_type: 'other', answers: [{ answer: 3 }] }] }, 'ann.json'),
    /^Error: ann\.json: annotations\[1\]\.answers\[0\] must be an object with a string "answer", got \{"answer":3\} \(question_id 12\)/,
  );
  assert.throws(() => parseVqaAnnotations({ annotations: [annotationFile.annotations[0], annotationFile.annotations[0]] }, 'ann.json'), /annotations\[1\]: duplicate question_id 10/);
  assert.throws(() => parseVqaResults({ question_id: 10, answer: 'red' }, 'res.json'), /res\.json: results must be an array/);
  assert.throws(() => parseVqaResults([{ question_id: 10, answer: 'red' }, { question_id: 11 }], 'res.json'), /^Error: res\.json: entry \[1\]\.answer must be a string, got undefined \(question_id 11\)/);
  assert.throws(
    () => parseVqaResults([{ question_id: 10, answer: 'red' }, { question_id: 10, answer: 'blue' }], 'res.json'),
    /^Error: res\.json: entry \[1\] is a second prediction for question_id 10/,
  );
  const lastWins = parseVqaResults([{ question_id: 10, answer: 'red' }, { question_id: 10, answer: 'blue' }], 'res.json', { allowDuplicateResults: true });
  assert.equal(lastWins.answers.get('10'), 'blue');
});

test('VQA: predictions must cover exactly the annotated questions', () => {
  const ann = file('ann.json.gz', gzipSync(JSON.stringify(annotationFile)));
  const missing = file('missing.json', JSON.stringify([{ question_id: 10, answer: 'red' }]));
  assert.throws(() => scoreVqa(loadVqaAnnotations(ann), loadVqaResults(missing)), new RegExp(`^Error: ${missing}: no prediction for question_id 11`));
  const extra = file('extra.json', JSON.stringify([{ question_id: 10, answer: 'red' }, { question_id: 11, answer: 'yes' }, { question_id: 99, answer: 'x' }]));
  assert.throws(() => scoreVqa(loadVqaAnnotations(ann), loadVqaResults(extra)), new RegExp(`^Error: ${extra}: question_id 99 is not in ${ann}`));
  const questions = file('questions.json', JSON.stringify({ task_type: 'Open-Ended', questions: [{ question_id: 10, image_id: 1, question: 'What color?' }] }));
  const good = file('good.json', JSON.stringify([{ question_id: 11, answer: 'yes' }, { question_id: 10, answer: 'Red' }]));
  assert.throws(() => scoreVqa(loadVqaAnnotations(ann), loadVqaResults(good), loadVqaQuestions(questions)), new RegExp(`^Error: ${questions}: no question for question_id 11`));
  const scores = scoreVqa(loadVqaAnnotations(ann), loadVqaResults(good));
  assert.deepEqual(scores.evalQA, { 10: 0, 11: 100 }); // 'Red' vs ten 'red': unanimous, so no normalisation
  assert.equal(scores.overall, 50);
});
