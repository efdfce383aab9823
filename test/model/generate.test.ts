import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { beamSearch, generate, greedySearch } from '../../lib/model/generate.js';
import { BeamHypotheses } from '../../lib/model/beam-search-hypotheses.js';
import type { GenerationModel } from '../../lib/model/beam-search-steps.js';
import { seededMatrix, ToyDecoder } from './generate-toy-decoder.js';

const EOS = 2;
const PAD = 1;

// Hand-checked case. Vocabulary: 0 <s>, 1 <pad>, 2 </s>, 3 A, 4 B, 5 C. The toy's logits are log-probabilities
// that depend only on the last token, so log_softmax returns them (up to ~1e-7) and beam scores are logs of
// products of these probabilities:
const P = {
  bos: [0.01, 0.01, 0.5, 0.25, 0.15, 0.08],
  A: [0.01, 0.01, 0.4, 0.08, 0.3, 0.2],
  B: [0.01, 0.01, 0.6, 0.2, 0.03, 0.15],
  C: [0.01, 0.01, 0.7, 0.13, 0.09, 0.06],
};
const uniform = new Array(6).fill(1 / 6);
const handTable = [P.bos, uniform, uniform, P.A, P.B, P.C].map((row) => row.map(Math.log));

function handModels(): { models: GenerationModel[]; dispose: () => void } {
  const toy = new ToyDecoder({ table: handTable });
  return { models: [{ kind: 'cached', decoder: toy }, { kind: 'full', forward: toy.forward }], dispose: () => toy.dispose() };
}

test('hand-checked beam search: 3 beams, min_length forcing, early finish (HF 4.26 rules)', () => {
  // num_beams 3, max_length 6, min_length 3, length_penalty 1, prompt [<s>]. Probabilities multiply:
  // step 1 (cur_len 1 < 3, EOS forced to -inf; beams 1, 2 start at -1e9 so only beam 0 expands):
  //   A .25, B .15, C .08 -> beams <s>A, <s>B, <s>C
  // step 2 (cur_len 2 < 3, EOS still forced): AB .075, AC .05, BA .03, BC .0225, AA .02, CA .0104
  //   -> beams <s>AB, <s>AC, <s>BA
  // step 3 (cur_len 3, EOS allowed): top 6 = AB+EOS .045, AC+EOS .035, ABA .015, BA+EOS .012, ABC .01125, BAB .009
  //   rank 0, 1 are EOS -> hypotheses <s>AB: ln(.045)/3 = -1.0337, <s>AC: ln(.035)/3 = -1.1175;
  //   rank 3 BA+EOS is skipped (rank >= num_beams); beams ABA, ABC, BAB. Two hypotheses < 3: not done.
  // step 4 (cur_len 4): ABC+EOS .007875, ABA+EOS .006, BAB+EOS .0054, ABAB .0045, ABAC .003, BABA .0018
  //   ABC+EOS -> third hypothesis ln(.007875)/4 = -1.2110 (now the worst); ABA+EOS ln(.006)/4 = -1.2790 and
  //   BAB+EOS are worse than the worst and not kept. is_done: worst -1.2110 >= best candidate ln(.007875)/4 -> done.
  // Result: <s> A B </s> (width min(3 + 1, 6) = 4), score ln(.045)/3, after 4 steps.
  const { models, dispose } = handModels();
  try {
    for (const model of models) {
      const enc = tf.zeros([1, 1, 1]) as tf.Tensor3D;
      const out = generate(model, [[0]], [[1]], enc, { numBeams: 3, maxLength: 6, minLength: 3, eosTokenId: EOS, padTokenId: PAD });
      assert.deepEqual(out.sequences, [[0, 3, 4, 2]]);
      assert.equal(out.steps, 4);
      assert.ok(Math.abs(out.sequenceScores[0]! - Math.log(0.045) / 3) < 1e-5);
      assert.deepEqual(out.hypotheses[0]!.map((h) => h.ids), [[0, 3, 4], [0, 3, 5], [0, 3, 4, 5]]);
      const expected = [Math.log(0.045) / 3, Math.log(0.035) / 3, Math.log(0.007875) / 4];
      out.hypotheses[0]!.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!) < 1e-5, `hypothesis ${i} score ${h.score}`));

      // Without min_length, EOS (p .5) ends the sequence at once: hypothesis <s> with ln(.5)/1 can't be beaten.
      const free = generate(model, [[0]], [[1]], enc, { numBeams: 3, maxLength: 6, eosTokenId: EOS, padTokenId: PAD });
      assert.deepEqual(free.sequences, [[0, 2]]);
      assert.ok(Math.abs(free.sequenceScores[0]! - Math.log(0.5)) < 1e-5);

      // Batched with a row that starts after C: row 0 is unchanged, rows are padded to a common width.
      const enc2 = tf.zeros([2, 1, 1]) as tf.Tensor3D;
      const batched = generate(model, [[0, 3], [0, 5]], [[1, 1], [1, 1]], enc2, { numBeams: 3, maxLength: 7, minLength: 4, eosTokenId: EOS, padTokenId: PAD });
      const single = generate(model, [[0, 3]], [[1, 1]], enc, { numBeams: 3, maxLength: 7, minLength: 4, eosTokenId: EOS, padTokenId: PAD });
      const width = batched.sequences[0]!.length;
      assert.equal(batched.sequences[1]!.length, width);
      assert.deepEqual(batched.sequences[0]!.slice(0, single.sequences[0]!.length), single.sequences[0]);
      assert.ok(batched.sequences[0]!.slice(single.sequences[0]!.length).every((t) => t === PAD));
      enc.dispose();
      enc2.dispose();
    }
  } finally {
    dispose();
  }
});

function randomToy(vocab = 12): ToyDecoder {
  const table = seededMatrix(7, vocab, vocab, -3, 3);
  for (const row of table) row[EOS] = 1; // EOS is plausible everywhere, so sequences end at different steps
  return new ToyDecoder({ table, bagWeight: seededMatrix(11, vocab, vocab, -1, 1), posWeight: seededMatrix(13, 24, vocab, -2, 2), encWeight: seededMatrix(17, 4, vocab, -2, 2) });
}

function encoder(): tf.Tensor3D {
  return tf.tensor3d(seededMatrix(19, 3, 8, -4, 4).flat().map((v) => v / 4), [3, 2, 4]);
}

test('beam search with num_beams=1 equals greedy search (including EOS stop, padding and min_length)', () => {
  const toy = randomToy();
  const enc = encoder();
  try {
    const model: GenerationModel = { kind: 'cached', decoder: toy };
    const prompt = [[0, 5], [0, 6], [0, 7]];
    const mask = prompt.map((r) => r.map(() => 1));
    for (const minLength of [0, 5]) {
      const options = { maxLength: 14, minLength, eosTokenId: EOS, padTokenId: PAD };
      const greedy = greedySearch(model, prompt, mask, enc, options);
      const beam1 = beamSearch(model, prompt, mask, enc, { ...options, numBeams: 1, lengthPenalty: 1, earlyStopping: false });
      assert.deepEqual(beam1.sequences, greedy.sequences);
      const ended = greedy.sequences.filter((row) => row.includes(EOS));
      assert.ok(ended.length > 0, 'the toy must produce EOS for this test to mean something');
      if (minLength > 0) for (const row of greedy.sequences) assert.ok(!row.slice(0, minLength).includes(EOS));
    }
  } finally {
    toy.dispose();
    enc.dispose();
  }
});

test('cached decoding gives the same outputs as re-running the full prefix, with fewer positions computed', () => {
  const toy = randomToy();
  const enc = encoder();
  try {
    const prompt = [[0, 5, 8], [0, 6, 9], [0, 7, 3]];
    const mask = prompt.map((r) => r.map(() => 1));
    const cases = [
      { numBeams: 1, maxLength: 16, minLength: 4 },
      { numBeams: 3, maxLength: 16, minLength: 6 },
      { numBeams: 3, maxLength: 13, minLength: 5, lengthPenalty: -1 },
      { numBeams: 4, maxLength: 12, earlyStopping: true as const },
      { numBeams: 2, maxLength: 12, earlyStopping: 'never' as const, lengthPenalty: 2 },
    ];
    for (const c of cases) {
      const options = { ...c, eosTokenId: EOS, padTokenId: PAD };
      toy.positions = 0;
      const cached = generate({ kind: 'cached', decoder: toy }, prompt, mask, enc, options);
      const cachedPositions = toy.positions;
      toy.positions = 0;
      const full = generate({ kind: 'full', forward: toy.forward }, prompt, mask, enc, options);
      assert.deepEqual(cached.sequences, full.sequences, JSON.stringify(c));
      assert.deepEqual(cached.sequenceScores, full.sequenceScores);
      assert.deepEqual(cached.hypotheses, full.hypotheses);
      if (cached.steps > 2) assert.ok(cachedPositions < toy.positions, `cached ${cachedPositions} vs full ${toy.positions} positions`);
    }
  } finally {
    toy.dispose();
    enc.dispose();
  }
});

test('padded prompts: the full path attends the mask, the cached path refuses them', () => {
  const toy = randomToy();
  const enc = encoder().slice([0, 0, 0], [2, 2, 4]) as tf.Tensor3D;
  try {
    const prompt = [[0, 5, 8], [0, 6, PAD]];
    const mask = [[1, 1, 1], [1, 1, 0]];
    const out = generate({ kind: 'full', forward: toy.forward }, prompt, mask, enc, { numBeams: 3, maxLength: 10, minLength: 5, eosTokenId: EOS, padTokenId: PAD });
    assert.equal(out.sequences.length, 2);
    assert.deepEqual(out.sequences[1]!.slice(0, 3), [0, 6, PAD]);
    assert.throws(() => generate({ kind: 'cached', decoder: toy }, prompt, mask, enc, { maxLength: 10, eosTokenId: EOS, padTokenId: PAD }), /padding need a decoder that takes a prompt mask/);
  } finally {
    toy.dispose();
    enc.dispose();
  }
});

test('BeamHypotheses: eviction keeps the n best, ties evict the earlier entry, is_done rules', () => {
  const h = new BeamHypotheses(2, 1, false, 10);
  h.add([0, 1], -2); // score -1
  h.add([0, 1, 2], -6); // -2
  assert.equal(h.worstScore, -2);
  h.add([0, 3], -2); // -1 again: evicts -2
  assert.deepEqual(h.beams.map((b) => b.ids), [[0, 1], [0, 3]]);
  assert.equal(h.worstScore, -1);
  h.add([0, 4], -1.8); // -0.9: evicts the earlier of the two -1 entries
  assert.deepEqual(h.beams.map((b) => b.ids), [[0, 3], [0, 4]]);
  assert.deepEqual(h.ranked().map((b) => b.ids), [[0, 4], [0, 3]]);
  assert.equal(h.isDone(-3, 3), true); // -1 >= -3 / 3
  assert.equal(h.isDone(-2, 3), false); // -1 < -2 / 3
  assert.equal(new BeamHypotheses(2, 1, true, 10).isDone(0, 1), false);
  const early = new BeamHypotheses(1, 1, true, 10);
  early.add([0], -5);
  assert.equal(early.isDone(0, 1), true);
  const never = new BeamHypotheses(1, 2, 'never', 10);
  never.add([0, 1], -4); // -4 / 2^2 = -1
  // length_penalty > 0 with 'never': the best attainable score divides by max_length ** lp
  assert.equal(never.isDone(-50, 5), false); // worst -1 < -50 / 10^2 = -0.5
  assert.equal(never.isDone(-200, 5), true); // worst -1 >= -200 / 10^2 = -2
});
