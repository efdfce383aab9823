// Shared set-up of the model benchmarks: the command-line options and random inputs shaped like the real
// pipeline (rgb at the model resolution, expert labels at `labelResolution`).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendChoice } from '../lib/backend/init.js';
import type { ExpertInputs } from '../lib/model/encoder/expert-encoder.js';

export interface ModelBenchArgs {
  size: string;
  resolution: number;
  experts: string[];
  tokens: number;
  repeats: number;
  backend: string;
}

/** Parses `--size --resolution --experts --tokens --repeats --backend` and initialises the backend. */
export async function modelBenchArgs(defaults: { size: string; repeats: number }): Promise<ModelBenchArgs> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: defaults.size }, resolution: { type: 'string', default: '224' },
      experts: { type: 'string', default: 'depth,normal,seg_coco,edge,obj_detection,ocr_detection' },
      tokens: { type: 'string', default: '20' }, repeats: { type: 'string', default: String(defaults.repeats) }, backend: { type: 'string', default: 'wasm' },
    },
  });
  if (!isBackendChoice(values.backend!)) throw new Error(`--backend: unknown backend '${values.backend}'`);
  return {
    size: values.size!,
    resolution: Number(values.resolution),
    experts: values.experts === 'none' ? [] : values.experts!.split(',').filter(Boolean),
    tokens: Number(values.tokens),
    repeats: Math.max(1, Number(values.repeats)),
    backend: await initBackend(values.backend),
  };
}

/** Seeded random encoder inputs: rgb [1,3,r,r] and each expert's label map [1,C,l,l] (obj_detection with instance ids). */
export function randomExpertInputs(experts: readonly string[], resolution: number, labelResolution: number): ExpertInputs {
  const inputs: ExpertInputs = { rgb: tf.randomNormal([1, 3, resolution, resolution], 0, 1, 'float32', 1) as tf.Tensor4D };
  const label = (channels: number): tf.Tensor4D => tf.randomUniform([1, channels, labelResolution, labelResolution], -1, 1, 'float32', 2) as tf.Tensor4D;
  for (const name of experts) {
    if (name === 'depth' || name === 'edge') inputs[name] = label(1);
    else if (name === 'normal') inputs[name] = label(3);
    else if (name === 'obj_detection') {
      const instance = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([1, 1, labelResolution, labelResolution], 0, 6, 'float32', 3)), 'int32')) as tf.Tensor4D;
      inputs[name] = { label: label(64), instance };
    } else inputs[name] = label(64);
  }
  return inputs;
}
