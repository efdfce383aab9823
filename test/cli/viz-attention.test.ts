// `prismer viz attention` with random weights (prismer_small, PrismerZ, one beam) and the GPT-2-derived tokenizer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vizCommand } from '../../lib/cli/viz.js';
import { UsageError } from '../../lib/cli/command.js';
import { writeGpt2RobertaTokenizerFiles } from '../../lib/text/gpt2-roberta.js';
import { encodedImageSize } from '../../lib/viz/index.js';

describe('prismer viz attention', () => {
  let dir = '';
  let image = '';
  const common = () => ['--model', 'caption_prismerz_base', '--experts', 'none', '--random-init', '--size', 'prismer_small', '--tokenizer', join(dir, 'tokenizer'), '--backend', 'wasm', '--beams', '1', '--max-length', '7'];
  const write = process.stdout.write;
  const printed: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prismer-viz-attention-'));
    writeGpt2RobertaTokenizerFiles(join(dir, 'tokenizer'));
    mkdirSync(join(dir, 'helpers', 'images'), { recursive: true });
    image = join(dir, 'helpers', 'images', 'a.jpg');
    copyFileSync('test/fixtures/images/COCO_test2015_000000000155.jpg', image);
    process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  });
  after(() => {
    process.stdout.write = write;
    rmSync(dir, { recursive: true, force: true });
  });

  it('captions the image and writes the word-by-word picture, or a view as its vega-lite spec', async () => {
    const png = join(dir, 'words.png');
    assert.equal(await vizCommand.run(['attention', image, ...common(), '--out', png, '--scale', '1']), 0);
    // (node:test's own messages share stdout: pick our line.)
    const all = printed.join('');
    const at = all.indexOf(`${image}\t`);
    assert.ok(at >= 0, 'the caption line is printed');
    const caption = all.slice(at + image.length + 1).split('\n')[0]!;
    assert.ok(caption!.length > 0);
    const { width, height } = encodedImageSize(readFileSync(png));
    // The image + 3 generated tokens (prefix of 4, max length 7) in one row of 120 px cells.
    assert.ok(width >= 4 * 120 + 3 * 8 && height >= 120, `${width}×${height}`);
    const json = join(dir, 'self.json');
    assert.equal(await vizCommand.run(['attention', image, ...common(), '--view', 'self', '--head', '1', '--out', json]), 0);
    const spec = JSON.parse(readFileSync(json, 'utf8')) as { title: string; data: { values: { value: number }[] } };
    assert.match(spec.title, /Decoder self-attention/);
    assert.equal(spec.data.values.length, 7 * 7);
  });

  it('checks its arguments', async () => {
    await assert.rejects(vizCommand.run(['attention', image, ...common(), '--out', join(dir, 'x.gif')]), (e: unknown) => e instanceof UsageError && /\.png, \.svg or \.json/.test((e as Error).message));
    await assert.rejects(vizCommand.run(['attention', image, ...common(), '--view', 'heads', '--out', join(dir, 'x.png')]), /--view must be one of words, rollout-words, vit, shares, latents, self/);
    await assert.rejects(vizCommand.run(['attention', image, '--out', join(dir, 'x.png')]), /--model is required/);
  });
});
