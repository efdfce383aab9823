import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encode as gpt2Encode, decode as gpt2Decode } from 'gpt-3-encoder';
import { createGpt2RobertaTokenizer, gpt2RobertaVocab, writeGpt2RobertaTokenizerFiles } from '../../lib/text/gpt2-roberta.js';
import { loadRobertaTokenizer, robertaTokenizerJson } from '../../lib/text/roberta-bpe.js';
import { encodeBatch } from '../../lib/text/batch.js';

const tokenizer = createGpt2RobertaTokenizer();

const CORPUS = [
  'A picture of a dog running on the grass',
  'What is the man holding?',
  "I'm sure they'll say it's what we've done, isn't it? You'd think so.",
  "DON'T SHOUT 'QUOTED' words",
  'café naïve résumé Ångström façade jalapeño Øresund',
  'Straße Größe ß ǆ ﬁsh',
  '日本語のテキストと中文字符，还有한국어 문장。',
  'emoji 😀👍🏽 family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 and ❤️',
  'whitespace   runs\t\ttabs\n\nnewlines  \n  trailing   ',
  '   leading spaces',
  'numbers 12345 3.14159 1,000,000 and 2nd 3rd',
  'punctuation!!! ... ??? --- (brackets) [square] {curly} <angle> @#$%^&*',
  'mixed Кириллица Ελληνικά العربية עברית हिन्दी ไทย',
  'a\u00a0non-breaking\u2003em space',
  'zero\u200bwidth joiner\u200d and combining e\u0301',
  'URL https://example.com/path?q=1&x=y#frag email a.b@c.de',
];

test('GPT-2-derived RoBERTa tokenizer equals gpt-3-encoder + 4 on a mixed corpus', () => {
  for (const text of CORPUS) {
    const expected = gpt2Encode(text).map((id) => id + 4);
    assert.deepEqual(tokenizer.encode(text, false), expected, `ids of ${JSON.stringify(text)}`);
    assert.deepEqual(tokenizer.encode(text, true), [0, ...expected, 2]);
    // Byte-level decoding is lossless; compare with clean-up off (HF's clean-up edits " ." and " 's").
    const raw = createGpt2RobertaTokenizer({ cleanUpTokenizationSpaces: false });
    assert.equal(raw.decode(expected, false), gpt2Decode(expected.map((id) => id - 4)));
    assert.equal(raw.decode(expected, false), text);
  }
});

test('special tokens in the text are split out, add_special_tokens wraps, skip_special_tokens drops them', () => {
  const ids = tokenizer.encode('<s>What is this?', false);
  assert.equal(ids[0], 0);
  assert.deepEqual(ids.slice(1), gpt2Encode('What is this?').map((id) => id + 4));
  const answer = tokenizer.encode(' Yes</s>', false);
  assert.deepEqual(answer, [...gpt2Encode(' Yes').map((id) => id + 4), 2]);
  assert.equal(tokenizer.decode([0, ...answer, 1, 1], true), ' Yes');
  assert.equal(tokenizer.decode([0, ...answer], false), '<s> Yes</s>');
  assert.equal(tokenizer.decode([], true), '');
  assert.equal(tokenizer.decode([0, 2, 1], true), '');
});

test('decode applies transformers 4.26 clean_up_tokenization_spaces by default', () => {
  const ids = tokenizer.encode("a dog . is it ? yes ! a , b it 's", false);
  assert.equal(tokenizer.decode(ids, true), "a dog. is it? yes! a, b it's");
});

test('vocab.json + merges.txt and tokenizer.json load to the same tokenizer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-tok-'));
  try {
    writeGpt2RobertaTokenizerFiles(dir);
    const fromFiles = loadRobertaTokenizer(dir);
    const { vocab, merges } = gpt2RobertaVocab();
    const jsonDir = join(dir, 'json');
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(robertaTokenizerJson(vocab, merges)));
    const fromJson = loadRobertaTokenizer(join(dir, 'tokenizer.json'));
    for (const text of CORPUS) {
      assert.deepEqual(fromFiles.encode(text, true), tokenizer.encode(text, true));
      assert.deepEqual(fromJson.encode(text, true), tokenizer.encode(text, true));
    }
    assert.equal(fromFiles.vocabSize, 50262);
    assert.equal(fromFiles.idToToken(50261), '<mask>');
    assert.throws(() => loadRobertaTokenizer(jsonDir), /no tokenizer.json and no vocab.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('batch encoding pads right with <pad> and truncates to max_length including specials', () => {
  const batch = encodeBatch(tokenizer, ['A picture of a dog running on the grass', 'A dog'], { truncation: true, maxLength: 6 });
  assert.equal(batch.inputIds[0]!.length, 6);
  assert.deepEqual(batch.inputIds[0], [0, ...gpt2Encode('A picture of a').map((id) => id + 4), 2]);
  assert.deepEqual(batch.inputIds[1], [0, ...gpt2Encode('A dog').map((id) => id + 4), 2, 1, 1]);
  assert.deepEqual(batch.attentionMask[1], [1, 1, 1, 1, 0, 0]);
});
