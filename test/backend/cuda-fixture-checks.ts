// The parity fixtures (test/fixtures/parity, MANIFEST §8) as a list of checks runnable on any backend:
// full Prismer teacher-forced forward from the raw inputs (encoder_out, logits, loss per sample) for the
// three fixture configs, and the decoder's training losses fed the fixture encoder_out. Used by
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
  return checks;
}

export { TOLERANCE as FIXTURE_TOLERANCE };
