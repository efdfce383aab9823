// Data-parallel gradient workers: the batch split, that worker + main-thread shares give the whole batch's
// loss and gradients, that the trainer uses them and stops the workers, and the clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PrismerVQA } from '../../lib/model/prismer-vqa.js';
import { parametersToTrain, parseLrScale } from '../../lib/train/adamw.js';
import { prepareEncoderCache } from '../../lib/train/encoder-cache.js';
import { vqaDatasets } from '../../lib/train/experiment.js';
import { GradientWorkers, splitRows } from '../../lib/train/gradient-workers.js';
import { experimentTrainTask, vqaTrainTask } from '../../lib/train/tasks.js';
import { trainModel } from '../../lib/train/trainer.js';
import { tinyShapes } from './tiny-shapes.js';

const tiny = tinyShapes('gradient-workers', 'start-vqa', { experts: '[depth]', batchSize: 5, trainImages: 6, lines: ['backend: {name: cpu}'] });
const dir = tiny.dir;

async function tinySetup(sets: string[] = []) {
  const { setup, model, source } = await tiny.setup(sets);
  return { setup, model: model as PrismerVQA, source };
}

test('splitRows cuts a batch into nearly equal contiguous shares, the earlier ones larger', () => {
  assert.deepEqual(splitRows(16, 2), [[0, 8], [8, 16]]);
  assert.deepEqual(splitRows(5, 3), [[0, 2], [2, 4], [4, 5]]);
  assert.deepEqual(splitRows(2, 3), [[0, 1], [1, 2]], 'no empty share');
});

test('a worker and the main thread together give the whole batch\'s loss and gradients', async () => {
  const { setup, model, source } = await tinySetup();
  const cache = (await prepareEncoderCache(model, source, setup.config, false))!;
  const names = parametersToTrain(model.store, parseLrScale(setup.config.train.lr_scale)).map(([n]) => n);
  const variables = names.map((n) => model.store.get(n));
  const workers = await GradientWorkers.start(1, setup.config, names);
  try {
    const serial = vqaTrainTask('vqa', model, setup.tokenizer, source, cache);
    const parallel = vqaTrainTask('vqa', model, setup.tokenizer, source, cache, workers);
    const context = { epoch: 0, step: 0, micro: 0, seed: 3 };
    const batch = await serial.loadBatch([0, 1, 2, 3, 4], context);
    const whole = tf.variableGrads(() => serial.loss(batch, context), variables);
    const split = await parallel.gradients!(batch, context, variables);
    const wholeLoss = whole.value.dataSync()[0]!;
    assert.ok(Math.abs(split.loss - wholeLoss) < 1e-4 * Math.max(1, Math.abs(wholeLoss)), `loss ${split.loss} vs ${wholeLoss}`);
    let worst = 0;
    for (const v of variables) {
      const a = whole.grads[v.name]!.dataSync();
      const b = split.grads[v.name]!.dataSync();
      const scale = Math.max(1e-6, ...Array.from(a, Math.abs));
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
    }
    assert.ok(worst < 1e-4, `largest gradient difference ${worst} (relative to each tensor's largest entry)`);
    tf.dispose([whole.value, ...Object.values(whole.grads), ...Object.values(split.grads)]);
  } finally {
    await workers.close();
  }
  await assert.rejects(workers.gradients(5, [], () => tf.scalar(0), () => { throw new Error('unused'); }), /already closed/);
  model.dispose();
});

test('train.workers trains through the workers when the encoder is cached, and the trainer stops them', async () => {
  const { setup, model } = await tinySetup(['train.workers=1']);
  const logs: string[] = [];
  const { task } = await experimentTrainTask(setup, model, vqaDatasets(setup).train, { log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /train\.workers: 1 gradient worker thread/.test(l)), logs.join('\n'));
  assert.equal(typeof task.gradients, 'function');
  const result = await trainModel(task, { outDir: join(dir, 'run'), batchSize: 5, lrScale: parseLrScale(setup.config.train.lr_scale), maxEpoch: 1, maxSteps: 2, schedule: { kind: 'constant', initLr: 1e-3, minLr: 1e-3 }, weightDecay: 0, seed: 1, progress: false, handleSignals: false });
  assert.equal(result.steps, 2);
  assert.ok(result.history.every((r) => Number.isFinite(r.loss)));
  // The trainer closed the task: its workers refuse further work.
  await assert.rejects(task.gradients!({ batch: { batchSize: 5 } } as never, { epoch: 0, step: 0, micro: 0, seed: 0 }, []), /already closed/);
  model.dispose();
  const uncached = await tinySetup(['train.workers=1', 'train.encoder_cache_mb=0']);
  logs.length = 0;
  const plain = await experimentTrainTask(uncached.setup, uncached.model, vqaDatasets(uncached.setup).train, { log: (l) => logs.push(l) });
  assert.equal(plain.task.gradients, undefined);
  assert.ok(logs.some((l) => /train\.workers: off \(.*no encoder cache\)/.test(l)), logs.join('\n'));
  uncached.model.dispose();
});

test('a worker that cannot build the parameters it is asked for fails to start with the reason', async () => {
  const { setup, model } = await tinySetup();
  await assert.rejects(GradientWorkers.start(1, setup.config, ['no.such.parameter']), /gradient worker failed to start: no parameter named 'no\.such\.parameter'/);
  model.dispose();
});
