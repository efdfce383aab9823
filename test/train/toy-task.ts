// A tiny regression task for trainer tests: y = x·w* + b* + noise, loss = mean squared error.
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../../lib/data/rng.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import type { TrainTask } from '../../lib/train/trainer.js';

export interface ToyBatch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

export function makeToyTask(options: { size?: number; seed?: number; delayMs?: number; frozenBias?: boolean } = {}): TrainTask<ToyBatch> & { store: ParameterStore; loadedBatches: number[][] } {
  const size = options.size ?? 64;
  const rng = new SeededRng(options.seed ?? 1);
  const inputs = Float32Array.from({ length: size * 4 }, () => rng.uniform(-1, 1));
  const truth = [0.5, -1.5, 2, 0.25];
  const targets = Float32Array.from({ length: size }, (_, i) => truth.reduce((sum, w, j) => sum + w * inputs[i * 4 + j], 0.7) + rng.uniform(-0.05, 0.05));
  const store = new ParameterStore(3);
  const weight = store.create('head.weight', [4, 1], { normal: 0.1 });
  const bias = store.create('head.bias', [1], 'zeros');
  store.create('head.running_mean', [1], 'zeros', { buffer: true });
  if (options.frozenBias) store.setTrainable((name) => name !== 'head.bias');
  const loadedBatches: number[][] = [];
  return {
    name: 'toy', store, size, loadedBatches,
    async loadBatch(indices) {
      loadedBatches.push(indices);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const x = tf.tensor2d(indices.flatMap((i) => Array.from(inputs.subarray(i * 4, i * 4 + 4))), [indices.length, 4]);
      const y = tf.tensor2d(indices.map((i) => targets[i]), [indices.length, 1]);
      return { x, y };
    },
    loss(batch) {
      return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(batch.x, weight), bias), batch.y))) as tf.Scalar;
    },
    disposeBatch(batch) {
      batch.x.dispose();
      batch.y.dispose();
    },
  };
}
