import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  loadVqaAnnotations, loadVqaQuestions, loadVqaResults, normalizeVqaAnswer, parseVqaAnnotations, parseVqaResults,
  scoreVqa, vqaPerQuestionTable, vqaProcessPunctuation, vqaQuestionAccuracy, type VqaAnnotation,
} from '../../lib/metrics/index.js';

const DIR = 'test/fixtures/metrics/vqa';
const annotations = loadVqaAnnotations(`${DIR}/annotations.json.gz`);
const questions = loadVqaQuestions(`${DIR}/questions.json`);

interface OfficialResults {
  accuracy: { overall: number; perAnswerType: Record<string, number>; perQuestionType: Record<string, number> };
  evalQA: Record<string, number>;
}

for (const name of ['annotator1_raw', 'qtype_prior']) {
  test(`VQA ${name}: overall, per answer type, per question type and every evalQA exactly equal`, () => {
    const official = JSON.parse(readFileSync(`${DIR}/results_${name}.json`, 'utf8')) as OfficialResults;
    const scores = scoreVqa(annotations, loadVqaResults(`${DIR}/predictions_${name}.json`), questions);
    assert.equal(scores.overall, official.accuracy.overall);
    assert.deepEqual(scores.perAnswerType, official.accuracy.perAnswerType);
    assert.deepEqual(Object.keys(scores.perAnswerType), Object.keys(official.accuracy.perAnswerType));
    assert.equal(Object.keys(scores.perQuestionType).length, 65);
    assert.deepEqual(scores.perQuestionType, official.accuracy.perQuestionType);
    assert.deepEqual(Object.keys(scores.perQuestionType), Object.keys(official.accuracy.perQuestionType));
    assert.equal(Object.keys(scores.evalQA).length, 8977);
    assert.deepEqual(scores.evalQA, official.evalQA);
    const table = vqaPerQuestionTable(scores);
    assert.equal(table.numRows(), 8977);
  });
}

interface HardCase {
  category: string;
  answer_type: string;
  gt_answers: string[];
  answer_ids?: (number | string)[];
  pred: string;
  evalQA_n2: number;
  pred_as_compared: string;
  gt_as_compared: string[];
}
const hard = (JSON.parse(readFileSync(`${DIR}/hard_cases.json`, 'utf8')) as { cases: HardCase[] }).cases;
const answersOf = (c: HardCase) => c.gt_answers.map((answer, i) => ({ answer, answer_confidence: 'yes', answer_id: c.answer_ids?.[i] ?? i + 1 }));

test('all 179 hard cases, evaluated as one official-format set, match evalQA and the compared strings', () => {
  assert.equal(hard.length, 179);
  const anns: VqaAnnotation[] = hard.map((c, i) => ({ question_id: i + 1, image_id: 1, question_type: c.category, answer_type: c.answer_type, answers: answersOf(c) }));
  const scores = scoreVqa(parseVqaAnnotations({ annotations: anns }, 'hard'), parseVqaResults(hard.map((c, i) => ({ question_id: i + 1, answer: c.pred })), 'hard results'));
  hard.forEach((c, i) => {
    const q = scores.perQuestion[i];
    const what = `case ${i} (${c.category}) pred ${JSON.stringify(c.pred)}`;
    assert.equal(q.evalQA, c.evalQA_n2, what);
    assert.equal(scores.evalQA[String(i + 1)], c.evalQA_n2, what);
    assert.equal(q.predAsCompared, c.pred_as_compared, what);
    assert.deepEqual(q.gtAsCompared, c.gt_as_compared, what);
  });
});

test('the duplicate answer-dict case scores 70: identical dicts exclude each other', () => {
  const c = hard.find((h) => h.category === 'malformed_dup_answer_dicts')!;
  assert.equal(Math.round(vqaQuestionAccuracy(answersOf(c), c.pred).accuracy * 100), 70);
});

test('official quirks are replicated by default and can be turned off', () => {
  const tenYes = Array.from({ length: 10 }, (_, i) => ({ answer: 'yes', answer_confidence: 'yes', answer_id: i + 1 }));
  assert.equal(vqaQuestionAccuracy(tenYes, 'Yes').accuracy, 0); // unanimous GT: no normalisation
  assert.equal(vqaQuestionAccuracy(tenYes, 'Yes', { replicateOfficialQuirks: false }).accuracy, 1);
  const dots = 'a'.concat('.a'.repeat(40));
  assert.equal(vqaProcessPunctuation(dots).split('.').length - 1, 8); // at most 32 periods go
  assert.equal(vqaProcessPunctuation(dots, { replicateOfficialQuirks: false }).includes('.'), false);
  assert.equal(normalizeVqaAnswer('Im here'), 'im here'); // the key is 'Im': never matches after lower-casing
  assert.equal(normalizeVqaAnswer('Im here', { replicateOfficialQuirks: false }), "i'm here");
  assert.equal(normalizeVqaAnswer("somebody'd"), 'somebodyd');
  assert.equal(normalizeVqaAnswer("somebody'd", { replicateOfficialQuirks: false }), "somebody'd");
});

test('normalisation: number words, articles, digit commas and punctuation as the official code', () => {
  assert.equal(normalizeVqaAnswer('Two dogs'), '2 dogs');
  assert.equal(normalizeVqaAnswer('eleven'), 'eleven');
  assert.equal(normalizeVqaAnswer('The red one.'), 'red 1');
  assert.equal(normalizeVqaAnswer('1,000'), '1000');
  assert.equal(normalizeVqaAnswer('yes, sir'), 'yes sir');
  assert.equal(normalizeVqaAnswer('black/white'), 'black white');
  assert.equal(normalizeVqaAnswer('3.5'), '3.5');
  assert.equal(normalizeVqaAnswer('dont'), "don't");
});
