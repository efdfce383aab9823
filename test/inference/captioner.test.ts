// Captioner / VqaAnswerer end to end on real images with a tiny random-weight PrismerZ model and the
// GPT-2-derived RoBERTa-style tokenizer (no downloads): plumbing, result shapes, cached == full decoding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { Captioner } from '../../lib/inference/captioner.js';
import { VqaAnswerer } from '../../lib/inference/vqa.js';
import { loadPrismerModel, officialModelSpec, type LoadedPrismer } from '../../lib/inference/official-models.js';
import { labelLocation, listImages, loadImageBatch } from '../../lib/inference/image-inputs.js';
import { createGpt2RobertaTokenizer } from '../../lib/text/gpt2-roberta.js';

const IMAGES = 'test/fixtures/images';
const tokenizer = createGpt2RobertaTokenizer();

function tinyModel(name: string, resolution = 96): LoadedPrismer {
  const spec = { ...officialModelSpec(name), imageResolution: resolution };
  const model = loadPrismerModel(spec, tokenizer, { randomInit: true, seed: 3, sizeName: 'prismer_tiny', sizeOverrides: { vocab_size: 50265 } });
  return { spec, model, tokenizer };
}

describe('inference API on a tiny random PrismerZ', () => {
  let loaded: LoadedPrismer;
  before(async () => {
    await tf.setBackend('wasm');
    loaded = tinyModel('caption_prismerz_base');
  });
  after(() => loaded.model.dispose());

  it('official model names map to specs (experts, resolution, tokenizer)', () => {
    assert.deepEqual(officialModelSpec('vqa_prismerz_large'), { name: 'vqa_prismerz_large', task: 'vqa', size: 'prismer_large', experts: [], imageResolution: 480, tokenizer: 'roberta-large' });
    const spec = officialModelSpec('pretrain_prismer_base');
    assert.equal(spec.imageResolution, 224);
    assert.deepEqual(spec.experts, ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection']);
    assert.throws(() => officialModelSpec('caption_prismer_huge'), /unknown model 'caption_prismer_huge'/);
  });

  it('captions a folder of images in batches: beams, scores, token ids', async () => {
    const images = listImages([IMAGES]).slice(0, 2);
    const progress: number[] = [];
    const results = await new Captioner(loaded).caption(images, { batchSize: 1, onProgress: (done) => progress.push(done) });
    assert.deepEqual(progress, [1, 2]);
    assert.equal(results.length, 2);
    for (const [i, r] of results.entries()) {
      assert.equal(r.image, images[i]);
      assert.equal(typeof r.text, 'string');
      assert.ok(r.beams.length >= 1 && r.beams.length <= 3);
      assert.equal(r.beams[0]!.score, r.score);
      assert.ok(r.tokenIds.length >= 1 && r.tokenIds.length <= 20 - 4);
      assert.equal(r.tokens.length, r.tokenIds.length);
      assert.ok(!r.tokenIds.slice(0, 4).includes(2), 'no EOS before min_length 8 (prefix of 4 + 4 tokens)');
    }
  });

  it('cached decoding gives the captions of the official full re-forward', () => {
    // A random encoder output keeps this fast; the full path re-runs the whole prefix every step.
    const hidden = tf.tidy(() => tf.randomNormal([1, 36, 32], 0, 1, 'float32', 5) as tf.Tensor3D);
    try {
      const options = { maxLength: 12, minLength: 8 };
      const cached = new Captioner(loaded, options).captionEncoded(hidden);
      const full = new Captioner(loaded, { ...options, decoding: 'full' }).captionEncoded(hidden);
      assert.deepEqual(full.map((r) => r.tokenIds), cached.map((r) => r.tokenIds));
      assert.deepEqual(full.map((r) => r.beams.map((b) => b.text)), cached.map((r) => r.beams.map((b) => b.text)));
    } finally {
      hidden.dispose();
    }
  });

  it('answers questions by ranking an answer list and by generating', async () => {
    const vqa = tinyModel('vqa_prismerz_base');
    try {
      const image = listImages([IMAGES])[0]!;
      const answers = ['yes', 'no', '2', 'frisbee', 'red car'];
      const ranked = await new VqaAnswerer(vqa, { answers, kTest: 3 }).answer(image, ['what is the man holding', 'is it sunny?']);
      assert.equal(ranked.length, 2);
      assert.equal(ranked[0]!.question, 'What is the man holding?');
      for (const r of ranked) {
        assert.ok(answers.includes(r.text));
        assert.equal(r.candidates!.length, 3);
        assert.equal(r.candidates![0]!.answer, r.text);
        assert.equal(r.candidates![0]!.score, r.score);
        assert.equal(r.tokenIds.at(-1), 2, 'answer ids end with </s>');
      }
      const generated = await new VqaAnswerer(vqa).answer(image, ['how many dogs?', 'what color is the car']);
      for (const r of generated) {
        assert.equal(typeof r.text, 'string');
        assert.equal(r.text, r.text.trim().toLowerCase());
        assert.ok(r.tokenIds.length >= 1 && r.tokenIds.length <= 10);
      }
    } finally {
      vqa.model.dispose();
    }
  });

  it('models with experts need a labels folder; labels follow the official layout', async () => {
    assert.deepEqual(labelLocation('/data/helpers/images/x.jpg'), { dataset: 'helpers', image: 'images/x.jpg' });
    await assert.rejects(loadImageBatch([`${IMAGES}/COCO_test2015_000000000014.jpg`], { experts: ['depth'], resolution: 96 }), /reads expert labels \(depth\) but no labels folder/);
    await assert.rejects(loadImageBatch([`${IMAGES}/COCO_test2015_000000000014.jpg`], { experts: ['depth'], resolution: 96, labelPath: '/nonexistent' }), /expert label depth .* not found; generate labels with the official experts/);
  });
});
