import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  captionAnswerBatch, captionPrefixBatch, captionTrainBatch, decodeCaption, stripCaptionPrefix, vqaAnswerBatch, vqaQuestionBatch, vqaTrainBatch,
} from '../../lib/text/prompts.js';
import { encodeBatch } from '../../lib/text/batch.js';
import { PrismerTokenizer } from '../../lib/text/prismer-tokenizer.js';
import { loadParityConfig, PARITY_CONFIGS, rows2d } from './fixture-tensors.js';
import { ToyWordTokenizer } from './toy-word-tokenizer.js';

const toy = ToyWordTokenizer.fromFixtures();

for (const config of PARITY_CONFIGS) {
  test(`prompt ids equal the official wrappers' ids (${config})`, () => {
    const { tensors, meta } = loadParityConfig(config);
    const train = vqaTrainBatch(toy, meta.vqa_train.questions, meta.vqa_train.answers);
    assert.deepEqual(train.inputIds, rows2d(tensors, 'vqa_train.input_ids'));
    assert.deepEqual(train.attentionMask, rows2d(tensors, 'vqa_train.attention_mask'));
    assert.deepEqual(train.labels, rows2d(tensors, 'vqa_train.labels'));

    const questions = vqaQuestionBatch(toy, meta.vqa_rank.questions);
    assert.deepEqual(questions.inputIds, rows2d(tensors, 'vqa_rank.start_ids'));
    assert.deepEqual(questions.attentionMask, rows2d(tensors, 'vqa_rank.start_attention_mask'));
    const answers = vqaAnswerBatch(toy, meta.vqa_rank.candidates);
    assert.deepEqual(answers.inputIds, rows2d(tensors, 'vqa_rank.answer_ids'));
    assert.deepEqual(answers.attentionMask, rows2d(tensors, 'vqa_rank.answer_attention_mask'));

    const capTrain = captionTrainBatch(toy, meta.cap_train.captions, meta.cap_train.prefix);
    assert.deepEqual(capTrain.inputIds, rows2d(tensors, 'cap_train.input_ids'));
    assert.deepEqual(capTrain.attentionMask, rows2d(tensors, 'cap_train.attention_mask'));
    assert.deepEqual(capTrain.labels, rows2d(tensors, 'cap_train.labels'));

    const start = captionPrefixBatch(toy, meta.cap_rank.prefix, 2);
    assert.deepEqual(start.inputIds, rows2d(tensors, 'cap_rank.start_ids'));
    assert.deepEqual(start.attentionMask, rows2d(tensors, 'cap_rank.start_attention_mask'));
    assert.deepEqual(start.inputIds, rows2d(tensors, 'greedy.prefix_ids'));
    const capAnswers = captionAnswerBatch(toy, meta.cap_rank.candidates);
    assert.deepEqual(capAnswers.inputIds, rows2d(tensors, 'cap_rank.answer_ids'));
    assert.deepEqual(capAnswers.attentionMask, rows2d(tensors, 'cap_rank.answer_attention_mask'));
  });
}

test('questions are capitalized Python-style (rest lowered) and keep no </s>', () => {
  const batch = vqaQuestionBatch(toy, ['how MANY dogs?']);
  assert.deepEqual(batch.inputIds, [[0, 888, 581, 401, 394]]);
});

test('caption rank answers are lower-cased, VQA answers capitalized', () => {
  assert.deepEqual(captionAnswerBatch(toy, ['A Red CAR']).inputIds, [[19, 169, 521, 2]]);
  assert.deepEqual(vqaAnswerBatch(toy, ['red CAR']).inputIds, [[843, 521, 2]]);
});

test('encodeBatch truncates content from the right before adding specials, pads on the right', () => {
  const batch = encodeBatch(toy, ['A picture of a dog', 'A dog'], { padding: 'longest', truncation: true, maxLength: 5 });
  assert.deepEqual(batch.inputIds, [[0, 4, 693, 371, 2], [0, 4, 723, 2, 1]]);
  assert.deepEqual(batch.attentionMask, [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]);
  const fixed = encodeBatch(toy, ['A dog'], { padding: 'max_length', maxLength: 6, addSpecialTokens: false });
  assert.deepEqual(fixed.inputIds, [[4, 723, 1, 1, 1, 1]]);
  assert.throws(() => encodeBatch(toy, ['A', 'A dog'], { padding: false }), /different lengths/);
});

test('the prefix is cut by length like the official caption[len(prefix) + 1:]', () => {
  assert.equal(stripCaptionPrefix('A picture of a dog on the grass', 'A picture of'), 'a dog on the grass');
  assert.equal(stripCaptionPrefix('a dog', ''), 'a dog');
  assert.equal(stripCaptionPrefix('Ä picture of ünder', 'Ä picture of'), 'ünder');
  assert.equal(decodeCaption(toy, [0, 4, 693, 371, 19, 723, 2, 1], 'A picture of'), 'a dog');
});

test('PrismerTokenizer bundles the same calls', () => {
  const { tensors, meta } = loadParityConfig('a_rgb');
  const tok = new PrismerTokenizer(toy);
  assert.deepEqual(tok.vqaTrain(meta.vqa_train.questions, meta.vqa_train.answers).labels, rows2d(tensors, 'vqa_train.labels'));
  assert.deepEqual(tok.captionPrefix(2).inputIds, rows2d(tensors, 'greedy.prefix_ids'));
  assert.deepEqual(tok.call(['A dog'], { padding: 'max_length', maxLength: 5 }).inputIds, [[0, 4, 723, 2, 1]]);
  assert.deepEqual(tok.tokens([0, 4, 723]), ['<s>', 'A', ' dog']);
  assert.equal(tok.decodeVqaAnswer([0, 888, 581, 401, 394, 27, 2, 1], 5), '2');
});
