import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerInSceneBaseline } from '../../lib/train/baselines.js';
import { readTestAnswers } from '../../lib/train/evaluate.js';

function answersFolder(rows: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-baselines-'));
  writeFileSync(join(dir, 'vqav2_test_answers.json'), JSON.stringify(rows));
  return dir;
}

test('answerInSceneBaseline: the expected accuracy of a random colour or kind of the scene, per question type', () => {
  const dir = answersFolder([
    { question_id: 1, answer: 'red', question_type: 'spatial', in_scene: ['blue', 'red'] },
    { question_id: 2, answer: 'red', question_type: 'spatial', in_scene: ['red', 'green', 'blue', 'yellow'] },
    { question_id: 3, answer: 'circle', question_type: 'shape', in_scene: ['circle'] },
    { question_id: 4, answer: 'yes', question_type: 'yesno', in_scene: null },
    { question_id: 5, answer: 'red', question_type: 'spatial', in_scene: ['blue'] },
  ]);
  // spatial over questions 1 and 2: (1/2 + 1/4) / 2; question 5 is not asked for
  assert.deepEqual(answerInSceneBaseline(dir, [1, 2, 3, 4]), { spatial: 37.5, shape: 100 });
  // an answer missing from its scene's list counts as never picked
  assert.deepEqual(answerInSceneBaseline(dir, [5]), { spatial: 0 });
  assert.equal(answerInSceneBaseline(dir, [4]), null, 'no question of the set has in_scene');
  assert.equal(answerInSceneBaseline(mkdtempSync(join(tmpdir(), 'prismer-baselines-')), [1]), null, 'no answers file');
});

test('answerInSceneBaseline names the question and the field when in_scene is malformed', () => {
  const dir = answersFolder([{ question_id: 7, answer: 'red', question_type: 'colour', in_scene: [] }]);
  assert.throws(() => answerInSceneBaseline(dir, [7]), /vqav2_test_answers\.json: question 7 field 'in_scene' must be a non-empty list of answers or null/);
});

test('readTestAnswers checks each row it returns and that every asked question has one', () => {
  const dir = answersFolder([
    { question_id: 1, answer: 'red', question_type: 'colour', in_scene: ['red'] },
    { question_id: 2, question_type: 'colour' },
  ]);
  assert.deepEqual(readTestAnswers(dir, [1])?.map((r) => r.question_id), [1]);
  assert.throws(() => readTestAnswers(dir, [1, 3]), /vqav2_test_answers\.json: answers for 1 of 2 test questions/);
  assert.throws(() => readTestAnswers(dir, [2]), /vqav2_test_answers\.json: entry 0 needs string 'answer' and 'question_type'/);
  const notList = mkdtempSync(join(tmpdir(), 'prismer-baselines-'));
  writeFileSync(join(notList, 'vqav2_test_answers.json'), '{}');
  assert.throws(() => readTestAnswers(notList, [1]), /expected a list of \{question_id, answer, question_type\}/);
});
