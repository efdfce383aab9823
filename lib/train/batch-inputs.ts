import * as tf from '@tensorflow/tfjs';
import type { LabelExpert } from '../data/expert-labels.js';
import type { PrismerBatch } from '../data/loader.js';
import type { ExpertInputs } from '../model/encoder/expert-encoder.js';

/** Channels of each label expert's model input. */
const CHANNELS: Record<LabelExpert, number> = { depth: 1, normal: 3, edge: 1, seg_coco: 64, seg_ade: 64, obj_detection: 64, ocr_detection: 64 };

/**
 * Model input tensors (NCHW) of a collated loader batch, keyed and ordered as the official experts
 * dict: rgb, then `experts` in order. The caller disposes them (`disposeBatchInputs`), or creates them
 * inside a tidy / gradient scope.
 */
export function prismerBatchInputs(batch: PrismerBatch, experts: readonly LabelExpert[]): ExpertInputs {
  const b = batch.batchSize;
  const r = batch.resolution;
  const h = batch.labelResolution;
  if (batch.rgb.length !== b * 3 * r * r) throw new Error(`batch: rgb has ${batch.rgb.length} values, expected ${b}x3x${r}x${r}`);
  const inputs: ExpertInputs = { rgb: tf.tensor4d(batch.rgb, [b, 3, r, r]) };
  for (const expert of experts) {
    const value = batch.experts[expert];
    if (value === undefined) throw new Error(`batch: no '${expert}' input (the dataset was built without it)`);
    if (expert === 'obj_detection') {
      const v = value as { label: Float32Array; instance: Int32Array };
      inputs[expert] = { label: tf.tensor4d(v.label, [b, 64, h, h]), instance: tf.tensor4d(v.instance, [b, 1, h, h], 'int32') };
    } else {
      inputs[expert] = tf.tensor4d(value as Float32Array, [b, CHANNELS[expert], h, h]);
    }
  }
  return inputs;
}

/** Disposes the tensors of `prismerBatchInputs`. */
export function disposeBatchInputs(inputs: ExpertInputs): void {
  tf.dispose(Object.values(inputs).flatMap((v) => (v instanceof tf.Tensor ? [v] : [v.label, v.instance])));
}
