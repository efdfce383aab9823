// Child process for the resume tests: trains the toy task and prints one JSON line per step.
// argv: outDir [resumeFrom|-] [checkpointEverySteps]
import { trainModel } from '../../lib/train/trainer.js';
import { makeToyTask } from './toy-task.js';

const [outDir, resume, every] = process.argv.slice(2);
const task = makeToyTask({ size: 64, delayMs: 15 });
const result = await trainModel(task, {
  outDir, batchSize: 4, maxEpoch: 3, seed: 11, weightDecay: 0.05, progress: false,
  schedule: { kind: 'cosine-per-step', initLr: 0.05, minLr: 0 },
  resumeFrom: resume && resume !== '-' ? resume : undefined,
  checkpointEverySteps: every ? Number(every) : 0,
  onStep: (r) => process.stdout.write(`${JSON.stringify({ step: r.step, loss: r.loss, lr: r.lr })}\n`),
});
process.stdout.write(`${JSON.stringify({ done: true, steps: result.steps, interrupted: result.interrupted, resumedFromStep: result.resumedFromStep })}\n`);
