// Attention capture in the model: recording leaves every output bit-identical, the recorded maps are
// softmax rows (sum to 1, causal and padding masks respected), shapes and the token layout are right.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { AttentionRecorder, type AttentionRecord } from '../../lib/model/attention.js';
import { fixedInstanceRows } from '../../lib/model/encoder/instance-rows.js';
import { getModelSize } from '../../lib/model/sizes.js';
import { Prismer, prismerConfigForSize, type DecoderTokenBatch } from '../../lib/model/prismer.js';
import { disposeExpertInputs, expertInputsFromRecords } from '../../lib/model/prismer-inputs.js';
import type { ExpertInputs } from '../../lib/model/encoder/expert-encoder.js';
import { PARITY, fixtureWeights, intRows, modelFixtures, modelInputs, useBackend } from './prismer-fixtures.js';

interface Meta {
  config_experts: string[];
  experts_order: string[];
  instance_rows_prescribed: { mapping_instance_id_to_row: Record<string, number> };
}
const CONFIG = 'c_rgb_all6';
const meta = JSON.parse(readFileSync(`${PARITY}/model/${CONFIG}/meta.json`, 'utf8')) as Meta;

/** The parity model with all six experts; instance rows fixed so that two encoder passes see the same rows. */
function buildModel(): Prismer {
  const config = prismerConfigForSize(getModelSize('prismer_tiny'), meta.config_experts, 96);
  config.encoder.instanceRows = fixedInstanceRows(meta.instance_rows_prescribed.mapping_instance_id_to_row);
  const model = new Prismer(config, { seed: 1 });
  model.loadStateDict(fixtureWeights(CONFIG, 'pt'));
  return model;
}

function teacherForcedBatch(): DecoderTokenBatch {
  const f = modelFixtures(CONFIG);
  return { inputIds: intRows(f, 'tf.input_ids'), attentionMask: intRows(f, 'tf.attention_mask') };
}

function bytes(t: tf.Tensor): Buffer {
  const data = t.dataSync() as Float32Array;
  return Buffer.from(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function rowSumError(r: AttentionRecord): number {
  const [b, h, q, k] = r.shape;
  let worst = 0;
  for (let row = 0; row < b * h * q; row++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += r.weights[row * k + j]!;
    worst = Math.max(worst, Math.abs(sum - 1));
  }
  return worst;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`attention capture (${backend})`, () => {
    let model: Prismer;
    let inputs: ExpertInputs;
    before(async () => {
      await useBackend(backend);
      model = buildModel();
      inputs = expertInputsFromRecords(modelInputs(), meta.config_experts, 'inputs.safetensors');
    });
    after(() => {
      disposeExpertInputs(inputs);
      model.dispose();
    });

    it('leaves the encoder output, logits and loss bit-identical, and leaks no tensors', () => {
      const batch = { ...teacherForcedBatch(), labels: intRows(modelFixtures(CONFIG), 'tf.labels') };
      const plain = model.forwardTeacherForced(inputs, batch);
      const before = tf.memory().numTensors;
      const recorder = new AttentionRecorder();
      const recorded = model.forwardTeacherForced(inputs, batch, { attention: recorder });
      assert.equal(tf.memory().numTensors - before, 3, 'only the three outputs stay allocated');
      for (const key of ['encoderOut', 'logits', 'lossPerSample'] as const) {
        assert.ok(bytes(plain[key]!).equals(bytes(recorded[key]!)), `${key} differs when attention is recorded`);
      }
      assert.ok(recorder.records.length > 0);
      tf.dispose([plain.encoderOut, plain.logits, plain.lossPerSample!, recorded.encoderOut, recorded.logits, recorded.lossPerSample!]);
    });

    it('records every map with its shape, rows summing to 1, and the token layout', () => {
      const recorder = new AttentionRecorder();
      const batch = teacherForcedBatch();
      const out = model.forwardTeacherForced(inputs, batch, { attention: recorder });
      tf.dispose([out.encoderOut, out.logits]);
      const T = batch.inputIds[0]!.length;
      const sites = (kind: string) => recorder.records.filter((r) => r.site.kind === kind);
      // ViT: 2 layers, 2 heads over 36 rgb + 64 latents; resampler: 4 blocks, 8 heads, 64 latents → [64 latents ; 6 × 16 expert tokens].
      assert.deepEqual(sites('vit').map((r) => r.shape), [[2, 2, 100, 100], [2, 2, 100, 100]]);
      assert.deepEqual(sites('resampler').map((r) => r.shape), new Array(4).fill([2, 8, 64, 160]));
      assert.deepEqual(sites('decoder-cross').map((r) => r.shape), [[2, 2, T, 100], [2, 2, T, 100]]);
      assert.deepEqual(sites('decoder-self').map((r) => [r.site, r.shape]), [0, 1, 2].map((layer) => [{ kind: 'decoder-self', layer }, [2, 2, T, T]]));
      for (const r of recorder.records) assert.ok(rowSumError(r) < 1e-5, `${JSON.stringify(r.site)}: a row sums to 1 ± ${rowSumError(r)}`);
      assert.deepEqual(recorder.layout, {
        rgbGrid: [6, 6], patchSize: 16, latents: 64,
        experts: meta.config_experts.map((expert) => ({ expert, rows: 4, cols: 4 })),
      });
      // Decoder self-attention is causal and masks the pads of row 1 (its last 3 positions).
      const self = sites('decoder-self')[0]!;
      const mask = batch.attentionMask[1]!;
      for (let h = 0; h < 2; h++) {
        for (let q = 0; q < T; q++) {
          for (let k = 0; k < T; k++) {
            const w = self.weights[((1 * 2 + h) * T + q) * T + k]!;
            if (k > q || mask[k] === 0) assert.ok(w < 1e-30, `row 1 head ${h}: query ${q} attends masked key ${k} (${w})`);
          }
        }
      }
    });

    it('averages heads on request and records only the kinds asked for', () => {
      const all = new AttentionRecorder();
      const mean = new AttentionRecorder({ meanOverHeads: true, kinds: ['vit', 'decoder-cross'] });
      for (const recorder of [all, mean]) {
        const hidden = model.encode(inputs, { attention: recorder });
        const out = model.decode(hidden, teacherForcedBatch(), { attention: recorder });
        tf.dispose([hidden, out.logits]);
      }
      assert.deepEqual([...new Set(mean.records.map((r) => r.site.kind))], ['vit', 'decoder-cross']);
      const full = all.records.find((r) => r.site.kind === 'vit' && r.site.layer === 1)!;
      const averaged = mean.records.find((r) => r.site.kind === 'vit' && r.site.layer === 1)!;
      assert.deepEqual(averaged.shape, [2, 1, 100, 100]);
      const n = 100 * 100;
      for (const i of [0, 4321, 2 * n - 1]) {
        const b = Math.floor(i / n);
        const expected = (full.weights[(b * 2) * n + (i % n)]! + full.weights[(b * 2 + 1) * n + (i % n)]!) / 2;
        assert.ok(Math.abs(averaged.weights[i]! - expected) < 1e-6);
      }
      assert.throws(() => new AttentionRecorder({ kinds: ['vit', 'decoder' as 'vit'] }), /kinds: unknown decoder/);
    });
  });
}
