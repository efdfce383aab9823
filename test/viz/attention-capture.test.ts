// captureAttention / captionWithAttention on the parity model: typed per-sample captures, the replay lines
// up with the generation steps, captions are those of an ordinary run, and the views accept the result.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { fixedInstanceRows } from '../../lib/model/encoder/instance-rows.js';
import { getModelSize } from '../../lib/model/sizes.js';
import { Prismer, prismerConfigForSize } from '../../lib/model/prismer.js';
import { disposeExpertInputs, expertInputsFromRecords } from '../../lib/model/prismer-inputs.js';
import type { ExpertInputs } from '../../lib/model/encoder/expert-encoder.js';
import { captionPrefixBatch } from '../../lib/text/prompts.js';
import {
  captureAttention, captionWithAttention, maxRowSumError, modalityShares, vegaLiteToPng, wordAttention, wordAttentionSpec, latentExpertReads,
} from '../../lib/viz/index.js';
import { PARITY, fixtureWeights, intRows, modelFixtures, modelInputs, useBackend } from '../model/prismer-fixtures.js';
import { ToyWordTokenizer } from '../text/toy-word-tokenizer.js';

const CONFIG = 'c_rgb_all6';
const meta = JSON.parse(readFileSync(`${PARITY}/model/${CONFIG}/meta.json`, 'utf8')) as { config_experts: string[]; instance_rows_prescribed: { mapping_instance_id_to_row: Record<string, number> } };
const GREEDY = { numBeams: 1, maxLength: 12, minLength: 0 };

describe('attention capture of a Prismer pass', () => {
  let model: Prismer;
  let inputs: ExpertInputs;
  const tokenizer = ToyWordTokenizer.fromFixtures();
  before(async () => {
    await useBackend('wasm');
    const config = prismerConfigForSize(getModelSize('prismer_tiny'), meta.config_experts, 96);
    config.encoder.instanceRows = fixedInstanceRows(meta.instance_rows_prescribed.mapping_instance_id_to_row);
    model = new Prismer(config, { seed: 1 });
    model.loadStateDict(fixtureWeights(CONFIG, 'pt'));
    inputs = expertInputsFromRecords(modelInputs(), meta.config_experts, 'inputs.safetensors');
  });
  after(() => {
    disposeExpertInputs(inputs);
    model.dispose();
  });

  it('captureAttention gives one typed capture per sample, cropped to its own tokens', () => {
    const f = modelFixtures(CONFIG);
    const ids = intRows(f, 'tf.input_ids');
    const mask = intRows(f, 'tf.attention_mask');
    const rows = ids.map((r, b) => r.filter((_, j) => mask[b]![j] === 1));
    const [a, b] = captureAttention(model, inputs, rows, { promptLengths: [2, 2], tokenToString: (id) => tokenizer.idToToken(id) ?? `#${id}` });
    assert.deepEqual(a!.layout.grid, { rows: 6, cols: 6, patchSize: 16, imageSize: 96 });
    assert.equal(a!.layout.rgbTokens + a!.layout.latents, 100);
    assert.deepEqual(a!.layout.experts.map((e) => [e.expert, e.offset, e.tokens]), meta.config_experts.map((e, i) => [e, 16 * i, 16]));
    assert.equal(b!.tokens.length, rows[1]!.length);
    assert.deepEqual(b!.decoderCross.map((m) => [m.layer, m.heads, m.queries, m.keys]), [[0, 2, rows[1]!.length, 100], [1, 2, rows[1]!.length, 100]]);
    assert.deepEqual(b!.decoderSelf.map((m) => m.queries), [rows[1]!.length, rows[1]!.length, rows[1]!.length]);
    for (const capture of [a!, b!]) {
      for (const m of [...capture.vit, ...capture.resampler, ...capture.decoderCross, ...capture.decoderSelf]) assert.ok(maxRowSumError(m) < 1e-5);
    }
    const reads = latentExpertReads(a!);
    assert.deepEqual(reads.columns, ['latents', ...meta.config_experts]);
    assert.ok(modalityShares(a!).every((s) => Math.abs(s.rgb + s.experts - 1) < 1e-5));
  });

  it('captionWithAttention returns the ordinary captions, and query p − 1 of the replay is the step that chose token p', () => {
    const [result] = captionWithAttention(model, tokenizer, inputs, GREEDY);
    const prefix = captionPrefixBatch(tokenizer, 'A picture of', 2);
    const plain = model.generateFrom(inputs, prefix, GREEDY);
    const width = prefix.inputIds[0]!.length;
    assert.deepEqual(result!.tokenIds, plain.sequences[0]!.slice(width).filter((id) => id !== tokenizer.padId));
    const capture = result!.attention;
    assert.equal(capture.promptLength, width);
    assert.deepEqual(capture.tokenIds, [...prefix.inputIds[0]!, ...result!.tokenIds]);
    // Greedy: the replay's logits at p − 1 pick token p.
    const hidden = model.encode(inputs);
    const out = model.decode(hidden, { inputIds: [capture.tokenIds, capture.tokenIds], attentionMask: [capture.tokenIds.map(() => 1), capture.tokenIds.map(() => 1)] });
    const argmax = tf.tidy(() => Array.from(tf.argMax(out.logits, -1).dataSync()));
    tf.dispose([hidden, out.logits]);
    const words = wordAttention(capture);
    assert.equal(words.length, result!.tokenIds.length);
    for (const w of words) assert.equal(argmax[w.position - 1], capture.tokenIds[w.position], `position ${w.position}`);
  });

  it('the word-by-word view renders from a real capture', async () => {
    const [result] = captionWithAttention(model, tokenizer, inputs, GREEDY);
    const png = await vegaLiteToPng(await wordAttentionSpec('test/fixtures/images/COCO_test2015_000000000014.jpg', result!.attention, { cellSize: 60, size: 60 }));
    assert.ok(png.byteLength > 5000);
  });
});
