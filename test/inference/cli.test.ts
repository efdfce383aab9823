// prismer caption / prismer vqa end to end with random weights (size prismer_small) and the GPT-2-derived
// tokenizer written to a temp folder: argument checks, .txt next to images, JSON output.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captionCommand, demoCaptionText } from '../../lib/cli/caption.js';
import { vqaCommand, readAnswerListFile } from '../../lib/cli/vqa.js';
import { UsageError } from '../../lib/cli/command.js';
import { createGpt2RobertaTokenizer, writeGpt2RobertaTokenizerFiles } from '../../lib/text/gpt2-roberta.js';

describe('prismer caption / vqa', () => {
  let dir: string;
  let tokenizerDir: string;
  let imageDir: string;
  const log = console.log;
  const printed: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prismer-cli-'));
    tokenizerDir = join(dir, 'tokenizer');
    writeGpt2RobertaTokenizerFiles(tokenizerDir);
    imageDir = join(dir, 'helpers', 'images');
    mkdirSync(imageDir, { recursive: true });
    copyFileSync('test/fixtures/images/COCO_test2015_000000000155.jpg', join(imageDir, 'a.jpg'));
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  });
  after(() => {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  });
  const common = () => ['--random-init', '--size', 'prismer_small', '--tokenizer', tokenizerDir, '--backend', 'wasm'];

  it('refuses expert models without labels and explains how to make them', async () => {
    await assert.rejects(captionCommand.run([imageDir, '--model', 'caption_prismer_base', ...common()]),
      (e: unknown) => e instanceof UsageError && /reads expert labels \(depth, normal, seg_coco, edge, obj_detection, ocr_detection\): produce them with the official expert scripts.*--labels.*caption_prismerz_base/.test(e.message));
    await assert.rejects(captionCommand.run([imageDir, '--model', 'caption_prismer_base', '--experts', 'none', ...common()]), /only meaningful for PrismerZ/);
    await assert.rejects(captionCommand.run([imageDir, '--model', 'vqa_prismerz_base', ...common()]), /is a vqa model/);
    await assert.rejects(captionCommand.run([imageDir, '--model', 'caption_prismerz_base', '--size', 'prismer_small']), /--size only applies with --random-init/);
  });

  it('captions a folder: writes <name>.txt like demo.py and prints the captions', async () => {
    printed.length = 0;
    // One beam keeps this quick (random prismer_small weights at 480 px); beam search is tested elsewhere.
    assert.equal(await captionCommand.run([imageDir, '--model', 'caption_prismerz_base', '--experts', 'none', '--beams', '1', ...common()]), 0);
    const txt = readFileSync(join(imageDir, 'a.txt'), 'utf8');
    assert.match(txt, /\.$/);
    assert.equal(printed.length, 1);
    const [image, caption] = printed[0]!.split('\t');
    assert.equal(image, join(imageDir, 'a.jpg'));
    assert.equal(txt, demoCaptionText(createGpt2RobertaTokenizer(), caption!));
  });

  it('answers questions by ranking an answer list', async () => {
    const answers = join(dir, 'answer_list.json');
    writeFileSync(answers, JSON.stringify(['yes', 'no', 'two', 'blue']));
    assert.deepEqual(readAnswerListFile(answers), ['yes', 'no', 'two', 'blue']);
    writeFileSync(join(dir, 'bad.json'), '{"a": 1}');
    assert.throws(() => readAnswerListFile(join(dir, 'bad.json')), /expected a non-empty JSON array of answer strings/);
    printed.length = 0;
    const out = join(dir, 'vqa.json');
    assert.equal(await vqaCommand.run([join(imageDir, 'a.jpg'), 'what color is the bus', '--model', 'vqa_prismerz_base', '--answers', answers, '--k-test', '2', '--out', out, ...common()]), 0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as Array<{ question: string; answer: string; candidates: unknown[] }>;
    assert.deepEqual(json.map((r) => r.question), ['What color is the bus?']);
    assert.ok(json.every((r) => ['yes', 'no', 'two', 'blue'].includes(r.answer) && r.candidates.length === 2));
    assert.equal(printed.length, 1);
    await assert.rejects(vqaCommand.run([join(imageDir, 'a.jpg'), '--model', 'vqa_prismerz_base']), /at least one question/);
    assert.ok(existsSync(out));
  });
});
