// Data-parallel gradient workers (train.workers, lib/train/gradient-workers.ts) on the npm start VQA model:
// optimiser steps per second (batch 16, decoder on cached encoder outputs, AdamW included) with the main thread
// alone and with 1..N worker threads, all measured in the same run on the same batches. Also checks that the
// split gradients match the one-thread ones.
// Usage: node --import tsx bench/data-parallel.ts [--steps 40] [--workers 1,2]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/index.js';
import { loadExperimentConfig } from '../lib/config/index.js';
import { AdamW, parametersToTrain, parseLrScale } from '../lib/train/adamw.js';
import { buildExperimentModel, prepareExperiment, vqaDatasets } from '../lib/train/experiment.js';
import { experimentTrainTask } from '../lib/train/tasks.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '40' }, workers: { type: 'string', default: '1' } } });
const steps = Number(values.steps);
const counts = values.workers.split(',').map(Number);
await initBackend('wasm');

async function stepsPerSecond(workers: number): Promise<{ rate: number; losses: number[] }> {
  const config = loadExperimentConfig('configs/start-vqa.yaml', [`train.workers=${workers}`, 'train.latent_warmup.steps=0']);
  const setup = await prepareExperiment(config);
  const model = buildExperimentModel(setup);
  const { task } = await experimentTrainTask(setup, model, vqaDatasets(setup).train);
  const trained = parametersToTrain(model.store, parseLrScale(config.train.lr_scale));
  const variables = trained.map(([, v]) => v);
  const nameOf = new Map(trained.map(([n, v]) => [v.name, n]));
  const optimizer = new AdamW(trained, { lr: 1e-4, weightDecay: 0.05 });
  const losses: number[] = [];
  let seconds = 0;
  for (let i = 0; i < steps + 5; i++) {
    const context = { epoch: 0, step: i, micro: 0, seed: i };
    const batch = await task.loadBatch(Array.from({ length: 16 }, (_, j) => (i * 16 + j * 37) % task.size), context);
    const started = performance.now();
    let result: { loss: number; grads: tf.NamedTensorMap };
    if (task.gradients) result = await task.gradients(batch, context, variables);
    else {
      const { value, grads } = tf.variableGrads(() => task.loss(batch, context), variables);
      result = { loss: (await value.data())[0]!, grads };
      value.dispose();
    }
    const named = new Map(Object.entries(result.grads).map(([k, g]) => [nameOf.get(k)!, g]));
    optimizer.step(named);
    for (const g of named.values()) g.dispose();
    variables[0]!.dataSync();
    if (i >= 5) seconds += (performance.now() - started) / 1000; // the first steps pay one-time costs
    losses.push(result.loss);
  }
  optimizer.dispose();
  await task.close?.();
  model.dispose();
  return { rate: steps / seconds, losses };
}

const alone = await stepsPerSecond(0);
console.log(`main thread alone: ${alone.rate.toFixed(2)} steps/s (batch 16, ${steps} steps)`);
for (const workers of counts) {
  const parallel = await stepsPerSecond(workers);
  const drift = Math.max(...parallel.losses.map((l, i) => Math.abs(l - alone.losses[i]!) / Math.abs(alone.losses[i]!)));
  console.log(`${workers} worker thread(s): ${parallel.rate.toFixed(2)} steps/s, speed-up ${(parallel.rate / alone.rate).toFixed(2)}x; largest relative loss difference over the ${steps + 5} steps ${drift.toExponential(1)}`);
}
