// The parity fixtures (test/fixtures/parity, MANIFEST §8) as a list of checks runnable on any backend:
// full Prismer teacher-forced forward from the raw inputs (encoder_out, logits, loss per sample) for the
// three fixture configs, the decoder's training losses fed the fixture encoder_out, and generation (greedy ids, and
// beam search with the KV cache against the full re-forward). Used by
// test/backend/cuda.test.ts (host reference addon) and bench/gpu.ts part 2 (the GPU).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { getModelSize } from '../../lib/model/sizes.js';
import { prismerConfigForSize, type DecoderTokenBatch } from '../../lib/model/prismer.js';
import { PrismerVQA } from '../../lib/model/prismer-vqa.js';
import { PrismerCaption } from '../../lib/model/prismer-caption.js';
import { fixedInstanceRows } from '../../lib/model/encoder/instance-rows.js';
import { disposeExpertInputs, expertInputsFromRecords } from '../../lib/model/prismer-inputs.js';
import type { TensorRecord } from '../../lib/io/tensor-record.js';
import { CONFIGS, PARITY, TOLERANCE, fixtureEncoderHidden, fixtureWeights, floatTensor, intRows, modelFixtures, modelInputs, type FixtureConfig } from '../model/prismer-fixtures.js';

export interface FixtureCheck {
  name: string;
  /** Runs on the current backend; returns max |actual − expected| per compared tensor. */
  run: () => Record<string, number>;
}

interface Meta {
  config_experts: string[];
  instance_rows_seeded?: { mapping_instance_id_to_row: Record<string, number> };
  vqa_train: { weights: number[] };
}

function meta(config: FixtureConfig): Meta {
  return JSON.parse(readFileSync(`${PARITY}/model/${config}/meta.json`, 'utf8')) as Meta;
}

function stateDict(config: FixtureConfig): Map<string, TensorRecord> {
  const keysets = JSON.parse(readFileSync(`${PARITY}/weights/keysets.json`, 'utf8')) as { configs: Record<FixtureConfig, string[]> };
  const keys = new Set(keysets.configs[config]);
  return new Map([...fixtureWeights(config, 'safetensors')].filter(([k]) => keys.has(k)));
}

function build<T extends PrismerVQA | PrismerCaption>(Kind: new (...args: ConstructorParameters<typeof PrismerVQA>) => T, config: FixtureConfig, mapping?: Record<string, number>): T {
  const modelConfig = prismerConfigForSize(getModelSize('prismer_tiny'), meta(config).config_experts, 96);
  if (mapping) modelConfig.encoder.instanceRows = fixedInstanceRows(mapping);
  const model = new Kind(modelConfig, { seed: 5 });
  const report = model.loadStateDict(stateDict(config), { source: config });
  const problems = report.missing.length + report.unexpected.length + report.shapeMismatches.length;
  if (problems > 0) throw new Error(`${config}: ${problems} state_dict problems`);
  return model;
}

function batch(config: FixtureConfig, prefix: string): DecoderTokenBatch {
  const f = modelFixtures(config);
  return {
    inputIds: intRows(f, `${prefix}.input_ids`),
    attentionMask: intRows(f, `${prefix}.attention_mask`),
    ...(f.has(`${prefix}.labels`) ? { labels: intRows(f, `${prefix}.labels`) } : {}),
  };
}

function diff(actual: tf.Tensor, expected: tf.Tensor): number {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shape [${actual.shape.join(', ')}] != expected [${expected.shape.join(', ')}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(actual, 'float32'), tf.cast(expected, 'float32')))).dataSync()[0]!);
}

export function fixtureChecks(): FixtureCheck[] {
  const checks: FixtureCheck[] = [];
  for (const config of CONFIGS) {
    checks.push({
      name: `${config}: forward from raw inputs (encoder_out, tf.logits, tf.loss_per_sample)`,
      run: () => {
        const info = meta(config);
        const fixtures = modelFixtures(config);
        const model = build(PrismerVQA, config, info.instance_rows_seeded?.mapping_instance_id_to_row);
        const inputs = expertInputsFromRecords(modelInputs(), info.config_experts, 'inputs.safetensors');
        try {
          const out = model.forwardTeacherForced(inputs, batch(config, 'tf'));
          const result = tf.tidy(() => ({
            encoder_out: diff(out.encoderOut, floatTensor(fixtures, 'encoder_out')),
            'tf.logits': diff(out.logits, floatTensor(fixtures, 'tf.logits')),
            'tf.loss_per_sample': diff(out.lossPerSample!, floatTensor(fixtures, 'tf.loss_per_sample')),
          }));
          tf.dispose([out.encoderOut, out.logits, out.lossPerSample!]);
          return result;
        } finally {
          disposeExpertInputs(inputs);
          model.dispose();
        }
      },
    });
    checks.push({
      name: `${config}: VQA and caption training losses from the fixture encoder_out`,
      run: () => {
        const fixtures = modelFixtures(config);
        const hidden = fixtureEncoderHidden(config);
        const vqa = build(PrismerVQA, config);
        const caption = build(PrismerCaption, config);
        try {
          const v = vqa.vqaLossFromEncoding(hidden, batch(config, 'vqa_train'), meta(config).vqa_train.weights);
          const c = caption.captionLossFromEncoding(hidden, batch(config, 'cap_train'));
          const result = tf.tidy(() => ({
            'vqa_train.loss_per_sample': diff(v.lossPerSample, floatTensor(fixtures, 'vqa_train.loss_per_sample')),
            'cap_train.loss_per_sample': diff(c.lossPerSample, floatTensor(fixtures, 'cap_train.loss_per_sample')),
          }));
          tf.dispose([v.loss, v.lossPerSample, c.loss, c.lossPerSample]);
          return result;
        } finally {
          hidden.dispose();
          vqa.dispose();
          caption.dispose();
        }
      },
    });
  }
  checks.push(generationCheck('c_rgb_all6'));
  return checks;
}

/** Rows that differ between two id matrices (0 when equal). */
function rowMismatches(actual: number[][], expected: number[][]): number {
  if (actual.length !== expected.length) return Math.max(actual.length, expected.length);
  return actual.filter((row, i) => row.join() !== expected[i]!.join()).length;
}

/**
 * Generation, which runs the decoder one token at a time over its KV cache (attention with a single query, cached
 * keys): greedy ids from the raw inputs against the fixture's, and VQA beam search over right-padded questions with
 * the cache against the official full re-forward, on the same backend.
 */
function generationCheck(config: FixtureConfig): FixtureCheck {
  return {
    name: `${config}: greedy ids (KV cache) and VQA beam search (cache vs full re-forward)`,
    run: () => {
      const info = meta(config);
      const fixtures = modelFixtures(config);
      const mapping = info.instance_rows_seeded?.mapping_instance_id_to_row;
      const caption = build(PrismerCaption, config, mapping);
      const vqa = build(PrismerVQA, config, mapping);
      const inputs = expertInputsFromRecords(modelInputs(), info.config_experts, 'inputs.safetensors');
      try {
        const prefix = intRows(fixtures, 'greedy.prefix_ids');
        const expected = intRows(fixtures, 'greedy.ids');
        const greedy = caption.generateFrom(inputs, { inputIds: prefix, attentionMask: prefix.map((r) => r.map(() => 1)) }, { numBeams: 1, maxLength: expected[0]!.length }, 'cached');
        const questions = { inputIds: intRows(fixtures, 'vqa_rank.start_ids'), attentionMask: intRows(fixtures, 'vqa_rank.start_attention_mask') };
        const cached = vqa.generateAnswers(inputs, questions, 'cached');
        const full = vqa.generateAnswers(inputs, questions, 'full');
        return {
          'greedy rows differing': rowMismatches(greedy.sequences, expected),
          'beam rows differing (cache vs full)': rowMismatches(cached.sequences, full.sequences),
          'beam score (cache vs full)': cached.sequenceScores.reduce((m, score, i) => Math.max(m, Math.abs(score - full.sequenceScores[i]!)), 0),
        };
      } finally {
        disposeExpertInputs(inputs);
        caption.dispose();
        vqa.dispose();
      }
    },
  };
}

export { TOLERANCE as FIXTURE_TOLERANCE };
