// Text decoder parity: the official fixtures' teacher-forced pass, captured intermediates, greedy ids
// (full re-forward and KV cache), on the cpu and wasm backends, weights from safetensors and from .pt.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { PrismerTextDecoder, labelledRowsPay, reorderTextDecoderCache, type TextDecoderCache } from '../../lib/model/decoder/index.js';
import { disposeCache } from '../../lib/model/incremental.js';
import {
  BACKENDS, CONFIGS, TINY_DECODER, TOLERANCE, fixtureEncoderHidden, fixtureWeights, floatTensor, intRows, intTensor,
  loadWeights, maxAbsDiff, modelFixtures, useBackend, type FixtureConfig, type WeightSource,
} from './prismer-fixtures.js';

function buildDecoder(config: FixtureConfig, source: WeightSource): { store: ParameterStore; decoder: PrismerTextDecoder } {
  const store = new ParameterStore(1);
  const decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
  loadWeights(store, fixtureWeights(config, source), 'text_decoder.');
  return { store, decoder };
}

/** Argmax with the first index on ties (torch.argmax on CPU). */
function argmaxRows(logits: Float32Array, rows: number, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (logits[r * width + c]! > logits[r * width + best]!) best = c;
    out.push(best);
  }
  return out;
}

for (const backend of BACKENDS) {
  describe(`text decoder parity on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const config of CONFIGS) {
      for (const source of ['safetensors', 'pt'] as const) {
        it(`${config} (${source} weights): teacher-forced logits, loss and captures`, () => {
          const fixtures = modelFixtures(config);
          const { store, decoder } = buildDecoder(config, source);
          const encoder = fixtureEncoderHidden(config);
          const out = decoder.forward(intTensor(fixtures, 'tf.input_ids') as tf.Tensor2D, encoder, {
            attentionMask: intTensor(fixtures, 'tf.attention_mask') as tf.Tensor2D,
            labels: intTensor(fixtures, 'tf.labels') as tf.Tensor2D,
            capture: true,
          });
          assert.ok(maxAbsDiff(out.logits, floatTensor(fixtures, 'tf.logits')) <= TOLERANCE, 'logits');
          assert.ok(maxAbsDiff(out.lossPerSample!, floatTensor(fixtures, 'tf.loss_per_sample')) <= TOLERANCE, 'loss_per_sample');
          const lossOnly = decoder.lossPerSample(intTensor(fixtures, 'tf.input_ids') as tf.Tensor2D, encoder, intTensor(fixtures, 'tf.labels') as tf.Tensor2D, {
            attentionMask: intTensor(fixtures, 'tf.attention_mask') as tf.Tensor2D,
          });
          assert.ok(maxAbsDiff(lossOnly, floatTensor(fixtures, 'tf.loss_per_sample')) <= TOLERANCE, 'lossPerSample (labelled rows only)');
          lossOnly.dispose();
          assert.deepEqual(Array.from(out.captures!.get('position_ids')!.dataSync()), Array.from(intTensor(fixtures, 'tf.position_ids').dataSync()));
          const mask = out.captures!.get('extended_attention_mask')!;
          assert.deepEqual(Array.from(mask.dataSync()), Array.from(floatTensor(fixtures, 'tf.extended_attention_mask').dataSync()));
          let compared = 0;
          for (const [name, value] of out.captures!) {
            const fixtureName = `tf.dec.${name}`;
            if (!fixtures.has(fixtureName)) continue;
            const diff = maxAbsDiff(value, floatTensor(fixtures, fixtureName));
            assert.ok(diff <= TOLERANCE, `${fixtureName}: max |diff| ${diff}`);
            compared++;
          }
          // Only config c records the per-layer captures (2 layers × 4 + embeddings + 2 output-layer ones).
          assert.equal(compared, config === 'c_rgb_all6' ? 11 : 0);
          tf.dispose([out.logits, out.lossPerSample!, ...out.captures!.values(), encoder]);
          store.dispose();
        });
      }

      it(`${config}: greedy ids by full re-forward and by KV cache`, () => {
        const fixtures = modelFixtures(config);
        const { store, decoder } = buildDecoder(config, 'safetensors');
        const encoder = fixtureEncoderHidden(config);
        const expected = intRows(fixtures, 'greedy.ids');
        const chosenLogit = floatTensor(fixtures, 'greedy.chosen_logit').dataSync();
        const prefix = intRows(fixtures, 'greedy.prefix_ids');
        const steps = expected[0]!.length - prefix[0]!.length;
        const vocab = TINY_DECODER.vocabSize;

        // Full re-forward each step, as the fixture driver.
        const full = prefix.map((r) => [...r]);
        for (let step = 0; step < steps; step++) {
          const last = tf.tidy(() => {
            const ids = tf.tensor2d(full, undefined, 'int32');
            const { logits } = decoder.forward(ids, encoder);
            return tf.squeeze(tf.slice(logits, [0, full[0]!.length - 1, 0], [-1, 1, -1]), [1]);
          });
          const values = last.dataSync() as Float32Array;
          const next = argmaxRows(values, full.length, vocab);
          next.forEach((id, b) => {
            assert.ok(Math.abs(values[b * vocab + id]! - chosenLogit[b * steps + step]!) <= TOLERANCE, `chosen logit ${b}/${step}`);
            full[b]!.push(id);
          });
          last.dispose();
        }
        assert.deepEqual(full, expected);

        // KV cache: the prefix once, then one token per step.
        const cached = prefix.map((r) => [...r]);
        let cache: TextDecoderCache | null = null;
        let input = tf.tensor2d(prefix, undefined, 'int32');
        for (let step = 0; step < steps; step++) {
          const { logits, cache: next } = decoder.forwardIncremental(input, encoder, cache);
          disposeCache(cache);
          cache = next;
          const t = logits.shape[1];
          const values = tf.tidy(() => tf.squeeze(tf.slice(logits, [0, t - 1, 0], [-1, 1, -1]), [1]).dataSync() as Float32Array);
          const ids = argmaxRows(values, cached.length, vocab);
          ids.forEach((id, b) => {
            assert.ok(Math.abs(values[b * vocab + id]! - chosenLogit[b * steps + step]!) <= TOLERANCE, `cached chosen logit ${b}/${step}`);
            cached[b]!.push(id);
          });
          tf.dispose([logits, input]);
          input = tf.tensor2d(ids.map((id) => [id]), undefined, 'int32');
        }
        input.dispose();
        disposeCache(cache);
        assert.deepEqual(cached, expected);
        encoder.dispose();
        store.dispose();
      });
    }

    it('a right-padded prompt decoded incrementally (with its mask, then reordered) equals the full forward', () => {
      const config: FixtureConfig = 'c_rgb_all6';
      const fixtures = modelFixtures(config);
      const { store, decoder } = buildDecoder(config, 'safetensors');
      const encoder = fixtureEncoderHidden(config);
      // Row 1 of the VQA question batch is right-padded; append two tokens after the pads.
      const question = intRows(fixtures, 'vqa_rank.start_ids');
      const mask = intRows(fixtures, 'vqa_rank.start_attention_mask');
      assert.ok(mask[1]!.includes(0), 'fixture question 1 is padded');
      const appended = [[17, 42], [99, 5]];
      const fullIds = question.map((q, b) => [...q, ...appended[b]!]);
      const fullMask = mask.map((m) => [...m, 1, 1]);
      const expected = tf.tidy(() => decoder.forward(tf.tensor2d(fullIds, undefined, 'int32'), encoder, { attentionMask: tf.tensor2d(fullMask, undefined, 'int32') }).logits);

      const first = decoder.forwardIncremental(tf.tensor2d(question, undefined, 'int32'), encoder, null, tf.tensor2d(mask, undefined, 'int32'));
      const second = decoder.forwardIncremental(tf.tensor2d(appended.map((r) => [r[0]!]), undefined, 'int32'), encoder, first.cache);
      // Swap the rows twice (a beam reorder that comes back to the identity) before the last step.
      const swapped = reorderTextDecoderCache(second.cache, [1, 0]);
      const restored = reorderTextDecoderCache(swapped, [1, 0]);
      const third = decoder.forwardIncremental(tf.tensor2d(appended.map((r) => [r[1]!]), undefined, 'int32'), encoder, restored);
      const t = question[0]!.length;
      const pieces = [first.logits, second.logits, third.logits];
      const joined = tf.concat(pieces, 1);
      assert.ok(maxAbsDiff(joined, expected) <= 1e-5, 'incremental logits equal the full forward');
      assert.equal(third.cache.length, t + 2);
      // Pads neither count as positions nor get attended.
      assert.deepEqual(third.cache.tokenCounts, fullIds.map((r) => r.filter((id) => id !== TINY_DECODER.padTokenId).length));
      for (const c of [first.cache, second.cache, swapped, restored, third.cache]) disposeCache(c);
      tf.dispose([...pieces, joined, expected, encoder]);
      store.dispose();
    });

    it('logits follow a reassigned word-embedding table (the LM head\'s transposed copy is refreshed)', () => {
      const fixtures = modelFixtures('a_rgb');
      const ids = intTensor(fixtures, 'tf.input_ids') as tf.Tensor2D;
      const encoder = fixtureEncoderHidden('a_rgb');
      const name = 'text_decoder.roberta.embeddings.word_embeddings.weight';
      const scale = (store: ParameterStore): void => {
        const table = store.get(name);
        const scaled = tf.mul(table, 1.5);
        table.assign(scaled);
        scaled.dispose();
      };
      const used = buildDecoder('a_rgb', 'safetensors');
      const before = used.decoder.forward(ids, encoder).logits;
      scale(used.store);
      const after = used.decoder.forward(ids, encoder).logits;
      const fresh = buildDecoder('a_rgb', 'safetensors');
      scale(fresh.store);
      const expected = fresh.decoder.forward(ids, encoder).logits;
      assert.equal(maxAbsDiff(after, expected), 0);
      assert.ok(maxAbsDiff(after, before) > 1e-3);
      used.decoder.releaseCaches();
      fresh.decoder.releaseCaches();
      tf.dispose([before, after, expected, ids, encoder]);
      used.store.dispose();
      fresh.store.dispose();
    });

    it('cross-attention keys/values cached for one encoder output give identical logits', () => {
      const fixtures = modelFixtures('b_rgb_depth_normal_edge');
      const { store, decoder } = buildDecoder('b_rgb_depth_normal_edge', 'safetensors');
      const encoder = fixtureEncoderHidden('b_rgb_depth_normal_edge');
      const ids = intTensor(fixtures, 'tf.input_ids') as tf.Tensor2D;
      const attentionMask = intTensor(fixtures, 'tf.attention_mask') as tf.Tensor2D;
      const plain = decoder.forward(ids, encoder, { attentionMask }).logits;
      const before = tf.memory().numTensors;
      const memo = decoder.withCrossAttentionCache(encoder, () => decoder.forward(ids, encoder, { attentionMask }).logits);
      assert.equal(tf.memory().numTensors, before + 1, 'only the logits survive');
      assert.equal(maxAbsDiff(memo, plain), 0);
      tf.dispose([plain, memo, ids, attentionMask, encoder]);
      store.dispose();
    });
  });
}

describe('text decoder structure', () => {
  before(() => useBackend('cpu'));
  after(() => undefined);

  it('creates exactly the official text_decoder state_dict keys, in order, minus the tied aliases', async () => {
    const { readFileSync } = await import('node:fs');
    const keysets = JSON.parse(readFileSync('test/fixtures/parity/weights/keysets.json', 'utf8')) as { configs: Record<string, string[]> };
    const official = keysets.configs.c_rgb_all6!.filter((k) => k.startsWith('text_decoder.'));
    const store = new ParameterStore(0);
    const decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
    const aliases = decoder.tiedAliases();
    assert.deepEqual(store.names(), official.filter((k) => !(k in aliases)));
    assert.deepEqual(Object.keys(aliases).sort(), ['text_decoder.lm_head.decoder.bias', 'text_decoder.lm_head.decoder.weight']);
    assert.ok(store.isBuffer('text_decoder.roberta.embeddings.position_ids'));
    store.dispose();
  });

  it('training mode applies seeded dropout; eval mode and zero rates do not', () => {
    const store = new ParameterStore(3);
    const decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
    const quiet = new PrismerTextDecoder(store, 'quiet', { ...TINY_DECODER, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    for (const [name, variable] of store.entries()) if (name.startsWith('quiet.')) variable.assign(store.get(name.replace(/^quiet\./, 'text_decoder.')));
    const encoder = tf.randomNormal([2, 5, 32], 0, 1, 'float32', 4) as tf.Tensor3D;
    const ids = tf.tensor2d([[0, 17, 42, 2], [0, 99, 2, 1]], undefined, 'int32');
    const evalLogits = decoder.forward(ids, encoder).logits;
    const a = decoder.forward(ids, encoder, { training: true, dropoutSeed: 7 }).logits;
    const b = decoder.forward(ids, encoder, { training: true, dropoutSeed: 7 }).logits;
    const c = decoder.forward(ids, encoder, { training: true, dropoutSeed: 8 }).logits;
    const none = quiet.forward(ids, encoder, { training: true, dropoutSeed: 7 }).logits;
    assert.equal(maxAbsDiff(a, b), 0, 'same seed, same masks');
    assert.ok(maxAbsDiff(a, c) > 1e-3, 'another seed, other masks');
    assert.ok(maxAbsDiff(a, evalLogits) > 1e-3, 'dropout changes the output');
    assert.ok(maxAbsDiff(none, evalLogits) <= 1e-6, 'zero rates are eval mode');
    tf.dispose([encoder, ids, evalLogits, a, b, c, none]);
    store.dispose();
  });

  it('lossPerSample (labelled rows only) gives forward\'s loss and gradients, also for a row without labels', () => {
    const store = new ParameterStore(5);
    const decoder = new PrismerTextDecoder(store, 'text_decoder', { ...TINY_DECODER, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    const encoder = tf.randomNormal([3, 5, 32], 0, 1, 'float32', 6) as tf.Tensor3D;
    const ids = tf.tensor2d([[0, 17, 42, 9, 2], [0, 99, 2, 1, 1], [0, 5, 6, 2, 1]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], undefined, 'int32');
    const labels = tf.tensor2d([[-100, -100, 42, 9, 2], [-100, 99, 2, -100, -100], [-100, -100, -100, -100, -100]], undefined, 'int32');
    const variables = store.entries().filter(([name]) => !store.isBuffer(name)).map(([, v]) => v);
    assert.ok(labelledRowsPay(5, 15, TINY_DECODER), 'these labels take the row-selection path');
    const full = tf.variableGrads(() => tf.sum(tf.mul(decoder.forward(ids, encoder, { attentionMask: mask, labels }).lossPerSample!, tf.tensor1d([1, 2, 3]))) as tf.Scalar, variables);
    const picked = tf.variableGrads(() => tf.sum(tf.mul(decoder.lossPerSample(ids, encoder, labels, { attentionMask: mask }), tf.tensor1d([1, 2, 3]))) as tf.Scalar, variables);
    assert.ok(Math.abs(full.value.dataSync()[0]! - picked.value.dataSync()[0]!) <= 1e-4, `loss ${full.value.dataSync()[0]} vs ${picked.value.dataSync()[0]}`);
    const perSample = decoder.lossPerSample(ids, encoder, labels, { attentionMask: mask });
    assert.equal(perSample.dataSync()[2], 0, 'a row without labels adds nothing');
    for (const name of Object.keys(full.grads)) {
      const diff = maxAbsDiff(full.grads[name]!, picked.grads[name]!);
      assert.ok(diff <= 1e-5, `${name}: gradient differs by ${diff}`);
    }
    assert.ok(Object.keys(picked.grads).length === variables.length);
    tf.dispose([labels, perSample, full.value, picked.value, ...Object.values(full.grads), ...Object.values(picked.grads)]);
    const unlabelled = tf.fill([3, 5], -100, 'int32') as tf.Tensor2D;
    const none = tf.variableGrads(() => tf.sum(decoder.lossPerSample(ids, encoder, unlabelled, { attentionMask: mask })) as tf.Scalar, variables);
    assert.equal(none.value.dataSync()[0], 0, 'no labels anywhere: zero loss, still differentiable');
    tf.dispose([unlabelled, encoder, ids, mask, none.value, ...Object.values(none.grads)]);
    assert.throws(() => decoder.lossPerSample(tf.zeros([3, 5], 'int32') as tf.Tensor2D, tf.zeros([3, 5, 32]) as tf.Tensor3D, tf.zeros([3, 4], 'int32') as tf.Tensor2D), /labels \[3, 4\] do not match input_ids \[3, 5\]/);
    store.dispose();
  });

  it('labelledRowsPay: the row selection runs where the skipped FFN and LM head outweigh it', () => {
    const start = { hiddenSize: 128, intermediateSize: 512, vocabSize: 572 };
    assert.ok(labelledRowsPay(32, 240, start), 'npm start VQA batch: 2 of 15 tokens');
    assert.ok(!labelledRowsPay(256, 320, start), 'npm start caption batch: 16 of 20 tokens, small vocabulary');
    assert.ok(labelledRowsPay(800, 960, { hiddenSize: 768, intermediateSize: 3072, vocabSize: 50265 }), 'official caption batch: RoBERTa vocabulary');
    assert.ok(!labelledRowsPay(0, 240, start), 'nothing labelled: the full forward');
  });

  it('rejects inputs of the wrong shape or dtype with one-line errors', () => {
    const store = new ParameterStore(0);
    const decoder = new PrismerTextDecoder(store, 'text_decoder', TINY_DECODER);
    const encoder = tf.zeros([2, 5, 32]) as tf.Tensor3D;
    assert.throws(() => decoder.forward(tf.zeros([2, 3]) as tf.Tensor2D, encoder), /input_ids must be int32/);
    assert.throws(() => decoder.forward(tf.zeros([3, 3], 'int32') as tf.Tensor2D, encoder), /3 rows but encoder_hidden_states 2/);
    assert.throws(() => decoder.forward(tf.zeros([2, 3], 'int32') as tf.Tensor2D, tf.zeros([2, 5, 48]) as tf.Tensor3D), /\[N, L, 32\]/);
    assert.throws(() => decoder.forward(tf.fill([2, 3], 1000, 'int32') as tf.Tensor2D, encoder), /id 1000 is outside \[0, 1000\)/);
    assert.throws(() => decoder.forward(tf.fill([2, 70], 5, 'int32') as tf.Tensor2D, tf.zeros([2, 5, 32]) as tf.Tensor3D), /outside \[0, 64\)/);
    store.dispose();
  });
});
