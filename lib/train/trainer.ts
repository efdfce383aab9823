import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeededRng, mixSeed } from '../data/rng.js';
import type { ParameterStore } from '../nn/parameters.js';
import { AdamW, parametersToTrain } from './adamw.js';
import { assignStoreRecords, readTrainingCheckpoint, saveTrainingCheckpoint, type TrainerState } from './checkpoint.js';
import { JsonlLogger } from './log.js';
import { ProgressBar, type ProgressOptions } from './progress.js';
import type { BatchGradients } from './gradient-workers.js';
import { learningRateAt, validateLrSchedule, type LrScheduleConfig, type LrScheduleKind } from './schedule.js';

/** What the loop tells a task about the step it is building or computing. */
export interface TrainStepContext {
  epoch: number;
  /** Global optimiser step (0-based) this micro-batch belongs to. */
  step: number;
  /** Index of the micro-batch within the optimiser step (gradient accumulation). */
  micro: number;
  /** A seed for everything random in this micro-batch (augmentation, dropout), derived from the run seed. */
  seed: number;
}

/**
 * One trainable task: where its examples come from and what its loss is. The trainer owns order,
 * batching, the optimiser, the schedule, checkpoints and logs; the task owns data and model.
 */
export interface TrainTask<Batch> {
  readonly name: string;
  readonly store: ParameterStore;
  /** Number of training examples. */
  readonly size: number;
  /** Builds the model inputs of the examples at `indices` (decoding, augmentation, tokenisation). */
  loadBatch(indices: number[], context: TrainStepContext): Promise<Batch>;
  /** The scalar training loss of a batch; runs inside tf.variableGrads. */
  loss(batch: Batch, context: TrainStepContext): tf.Scalar;
  /**
   * The loss and gradients of a batch when the task computes them itself (data-parallel worker threads,
   * lib/train/gradient-workers.ts); otherwise the trainer takes tf.variableGrads of `loss`.
   */
  gradients?(batch: Batch, context: TrainStepContext, variables: readonly tf.Variable[]): Promise<BatchGradients>;
  disposeBatch?(batch: Batch): void;
  /** Releases what the task holds besides batches (worker threads); the trainer calls it when training ends. */
  close?(): Promise<void>;
}

export interface TrainerOptions {
  /** Run folder: `train.jsonl` and `checkpoints/` go here. */
  outDir: string;
  batchSize: number;
  /** Micro-batches whose gradients are averaged into one optimiser step (1 = none). */
  accumulation?: number;
  maxEpoch: number;
  schedule: { kind: LrScheduleKind; initLr: number; minLr: number; warmupLr?: number; warmupSteps?: number; plannedSteps?: number };
  weightDecay: number;
  betas?: [number, number];
  eps?: number;
  seed: number;
  /** The resolved experiment config, stored in every checkpoint. */
  config?: unknown;
  /** Continue from a checkpoint (a step folder, a checkpoints folder or a run folder). */
  resumeFrom?: string;
  /** Stop (with a checkpoint) once this many global optimiser steps are done. */
  maxSteps?: number;
  /** Clip the global gradient norm to this before each step (torch.nn.utils.clip_grad_norm_); null/undefined: no clipping. */
  clipGradNorm?: number | null;
  /** Keep the newest N checkpoints (default 2). */
  keepCheckpoints?: number;
  /** Learning-rate multipliers by parameter-name prefix (AdamWOptions.lrScale; config `train.lr_scale`). */
  lrScale?: Readonly<Record<string, number>>;
  /**
   * Wall-clock budget for this run's training steps: after `calibrationSteps` steps the trainer plans
   * how many steps fit, stops there (with a checkpoint) and lets the cosine end at that step.
   */
  timeBudgetSeconds?: number;
  /** Steps timed before planning against the budget (default 5). */
  calibrationSteps?: number;
  /** Also checkpoint every this many steps inside an epoch (0 = only at epoch ends). */
  checkpointEverySteps?: number;
  /** A `step` line goes to train.jsonl every this many steps (default 1). */
  logEverySteps?: number;
  /** false for silence; options for the bar otherwise (default: stderr, bar on a TTY). */
  progress?: false | ProgressOptions;
  /** Save a checkpoint and stop cleanly on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Called after every optimiser step (live curves in notebooks). */
  onStep?: (record: StepRecord) => void;
  /** Called after every epoch, before its checkpoint (evaluation); may return metrics to log. */
  onEpochEnd?: (epoch: number, summary: EpochRecord) => Promise<Record<string, number> | void> | Record<string, number> | void;
}

export interface StepRecord {
  step: number;
  epoch: number;
  stepInEpoch: number;
  loss: number;
  lr: number;
  samplesPerSecond: number;
  stepsPerSecond: number;
  elapsedSeconds: number;
}

export interface EpochRecord {
  epoch: number;
  meanLoss: number;
  steps: number;
  seconds: number;
}

export interface TrainResult {
  /** Global optimiser steps done (including those before a resume). */
  steps: number;
  /** Epochs completed. */
  epochsCompleted: number;
  interrupted: boolean;
  /** Checkpoint folder written last. */
  checkpoint: string;
  history: StepRecord[];
  epochs: EpochRecord[];
  seconds: number;
  resumedFromStep: number;
}

/** Steps whose mean duration plans a time-budgeted run (see TrainerOptions.timeBudgetSeconds). */
const PACE_WINDOW = 30;

/** The example order of one epoch: a seeded permutation (as a shuffling DataLoader), same on resume. */
export function epochOrder(size: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: size }, (_, i) => i);
  return new SeededRng(mixSeed(seed, 0x5eed, epoch)).shuffle(order);
}

/**
 * The training loop of every official task (caption, VQA, pre-training, classification): AdamW with
 * decoupled weight decay over the store's trainable parameters, the official lr schedule set before
 * every step, gradient accumulation, drop_last batching in a seeded order, checkpoints at every epoch
 * end (and on SIGINT/SIGTERM), resumable mid-epoch with the same data order and schedule.
 */
export async function trainModel<Batch>(task: TrainTask<Batch>, options: TrainerOptions): Promise<TrainResult> {
  const accumulation = options.accumulation ?? 1;
  if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) throw new Error(`train: batch_size must be a positive integer, got ${options.batchSize}`);
  if (!Number.isInteger(accumulation) || accumulation <= 0) throw new Error(`train: accumulation must be a positive integer, got ${accumulation}`);
  const batchesPerEpoch = Math.floor(task.size / options.batchSize);
  const stepsPerEpoch = Math.floor(batchesPerEpoch / accumulation);
  if (stepsPerEpoch === 0) {
    throw new Error(`train: ${task.size} training examples make no full step of batch_size ${options.batchSize} × accumulation ${accumulation}`);
  }
  const schedule: LrScheduleConfig = { ...options.schedule, maxEpoch: options.maxEpoch, stepsPerEpoch };
  validateLrSchedule(schedule, `train ${task.name}`);

  const scales = options.lrScale ?? {};
  const trainable = parametersToTrain(task.store, scales);
  if (trainable.length === 0) throw new Error(`train ${task.name}: no trainable parameters (check the freeze mode and train.lr_scale)`);
  const nameOf = new Map(trainable.map(([name, v]) => [v.name, name]));
  const variables = trainable.map(([, v]) => v);
  const optimizer = new AdamW(trainable, { lr: schedule.initLr, weightDecay: options.weightDecay, betas: options.betas, eps: options.eps, lrScale: scales });

  const checkpointDir = join(options.outDir, 'checkpoints');
  const logger = new JsonlLogger(join(options.outDir, 'train.jsonl'));
  let step = 0;
  let epoch = 0;
  let stepInEpoch = 0;
  let epochLossSum = 0;
  if (options.resumeFrom) {
    const loaded = readTrainingCheckpoint(options.resumeFrom);
    const s = loaded.state;
    if (s.stepsPerEpoch !== stepsPerEpoch) {
      throw new Error(`${loaded.path}: saved with ${s.stepsPerEpoch} steps per epoch, this run has ${stepsPerEpoch} (batch size, accumulation or data changed)`);
    }
    if (s.seed !== options.seed) throw new Error(`${loaded.path}: saved with seed ${s.seed}, this run has seed ${options.seed}`);
    assignStoreRecords(task.store, loaded.model, join(loaded.path, 'model.safetensors'));
    optimizer.loadState(loaded.optimizer, s.step, join(loaded.path, 'optimizer.safetensors'));
    ({ step, epoch, stepInEpoch, epochLossSum } = s);
    if (s.plannedSteps) schedule.plannedSteps = s.plannedSteps;
    if (stepInEpoch >= stepsPerEpoch) {
      epoch += 1;
      stepInEpoch = 0;
      epochLossSum = 0;
    }
    logger.write({ kind: 'event', event: 'resume', step, epoch, stepInEpoch, from: loaded.path });
  } else {
    logger.write({ kind: 'event', event: 'start', step: 0, epoch: 0, task: task.name, stepsPerEpoch, maxEpoch: options.maxEpoch, batchSize: options.batchSize, accumulation, trainableParameters: variables.reduce((n, v) => n + v.size, 0) });
  }
  const resumedFromStep = step;
  let totalSteps = Math.min(options.maxEpoch * stepsPerEpoch, options.maxSteps ?? Infinity, schedule.plannedSteps ?? Infinity);
  const calibrationSteps = options.calibrationSteps ?? 5;
  // End times of the steps since the first one (which pays one-time costs), for the budget's pace.
  const stepEnds: number[] = [];

  let stopSignal: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopSignal) process.exit(130);
    stopSignal = signal;
    process.stderr.write(`\n${signal}: finishing the current step and saving a checkpoint (again to quit at once)\n`);
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const progress = options.progress === false ? null : new ProgressBar(`train ${task.name}`, totalSteps, step, options.progress);
  const history: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  const started = performance.now();
  let lastCheckpoint = '';
  let lr = learningRateAt(schedule, epoch, stepInEpoch);
  const makeState = (reason: TrainerState['reason']): TrainerState => ({
    format: 'prismer-ts/trainer-state@1', task: task.name, step, epoch, stepInEpoch, stepsPerEpoch, seed: options.seed,
    epochLossSum, lr, plannedSteps: schedule.plannedSteps ?? null, config: options.config ?? null, savedAt: new Date().toISOString(), reason,
  });
  const checkpoint = async (reason: TrainerState['reason']): Promise<void> => {
    lastCheckpoint = await saveTrainingCheckpoint(checkpointDir, task.store, optimizer, makeState(reason), options.keepCheckpoints ?? 2);
    logger.write({ kind: 'event', event: 'checkpoint', reason, step, epoch, path: lastCheckpoint });
  };

  try {
    let interrupted = false;
    while (epoch < options.maxEpoch && step < totalSteps && !interrupted) {
      const order = epochOrder(task.size, options.seed, epoch);
      const epochStart = performance.now();
      const microIndices = (s: number, micro: number): number[] => {
        const b = s * accumulation + micro;
        return order.slice(b * options.batchSize, (b + 1) * options.batchSize);
      };
      const contextOf = (s: number, micro: number): TrainStepContext => ({ epoch, step: epoch * stepsPerEpoch + s, micro, seed: mixSeed(options.seed, epoch * stepsPerEpoch + s, micro) });
      // Prefetch: the next micro-batch decodes while the current one computes.
      let pending: Promise<Batch> | null = task.loadBatch(microIndices(stepInEpoch, 0), contextOf(stepInEpoch, 0));
      while (stepInEpoch < stepsPerEpoch && step < totalSteps) {
        lr = learningRateAt(schedule, epoch, stepInEpoch);
        optimizer.lr = lr;
        const stepStart = performance.now();
        let accumulated: Map<string, tf.Tensor> | null = null;
        let lossSum = 0;
        for (let micro = 0; micro < accumulation; micro++) {
          // No prefetch when the plan ended at this step before a re-plan extended it.
          const batch: Batch = await (pending ?? task.loadBatch(microIndices(stepInEpoch, micro), contextOf(stepInEpoch, micro)));
          const isLast = micro === accumulation - 1;
          const nextStep = isLast ? stepInEpoch + 1 : stepInEpoch;
          const nextMicro = isLast ? 0 : micro + 1;
          pending = nextStep < stepsPerEpoch && epoch * stepsPerEpoch + nextStep < totalSteps ? task.loadBatch(microIndices(nextStep, nextMicro), contextOf(nextStep, nextMicro)) : null;
          const context = contextOf(stepInEpoch, micro);
          const { loss: lossValue, grads } = await batchGradients(task, batch, context, variables);
          task.disposeBatch?.(batch);
          if (!Number.isFinite(lossValue)) {
            for (const g of Object.values(grads)) g.dispose();
            throw new Error(`train ${task.name}: loss is ${lossValue} at step ${step} (epoch ${epoch}); lower init_lr or check the data`);
          }
          lossSum += lossValue;
          accumulated = accumulateGradients(accumulated, grads, nameOf);
        }
        if (accumulation > 1) {
          for (const [name, g] of accumulated!) {
            accumulated!.set(name, tf.tidy(() => tf.div(g, accumulation)));
            g.dispose();
          }
        }
        if (options.clipGradNorm) clipGlobalNorm(accumulated!, options.clipGradNorm);
        optimizer.step(accumulated!);
        for (const g of accumulated!.values()) g.dispose();
        const loss = lossSum / accumulation;
        step += 1;
        stepInEpoch += 1;
        epochLossSum += loss;
        const seconds = (performance.now() - stepStart) / 1000;
        const record: StepRecord = {
          step, epoch, stepInEpoch, loss, lr,
          samplesPerSecond: (options.batchSize * accumulation) / seconds,
          stepsPerSecond: 1 / seconds,
          elapsedSeconds: (performance.now() - started) / 1000,
        };
        history.push(record);
        if (options.timeBudgetSeconds !== undefined) {
          // The first step pays one-time costs (kernel setup); time the following ones, then re-plan every
          // few steps from the pace of the last PACE_WINDOW steps (long enough that the plan, and with it the
          // cosine, does not jump with every burst of load on a shared machine; short enough that a machine
          // that speeds up or slows down still ends on time).
          stepEnds.push(performance.now());
          const timed = stepEnds.length - 1;
          if (timed > 0 && timed % calibrationSteps === 0) {
            const span = Math.min(timed, PACE_WINDOW);
            const perStep = (stepEnds[timed]! - stepEnds[timed - span]!) / 1000 / span;
            const left = options.timeBudgetSeconds - (performance.now() - started) / 1000;
            const ceiling = Math.min(options.maxEpoch * stepsPerEpoch, options.maxSteps ?? Infinity);
            const planned = Math.max(step, Math.min(ceiling, step + Math.floor(left / perStep)));
            if (planned !== schedule.plannedSteps) {
              schedule.plannedSteps = planned;
              totalSteps = planned;
              if (progress) progress.total = planned;
              logger.write({ kind: 'event', event: 'plan', step, epoch, plannedSteps: planned, secondsPerStep: perStep, budgetSeconds: options.timeBudgetSeconds });
            }
          }
        }
        if (step % (options.logEverySteps ?? 1) === 0) logger.write({ kind: 'step', ...record });
        options.onStep?.(record);
        progress?.update(step, `epoch ${epoch + 1}/${options.maxEpoch} loss ${loss.toFixed(4)} lr ${lr.toExponential(2)}`);
        if (stopSignal) {
          await pending?.then((b) => task.disposeBatch?.(b));
          await checkpoint('interrupt');
          logger.write({ kind: 'event', event: 'interrupted', signal: stopSignal, step, epoch });
          interrupted = true;
          break;
        }
        const every = options.checkpointEverySteps ?? 0;
        if (every > 0 && step % every === 0 && stepInEpoch < stepsPerEpoch) await checkpoint('manual');
      }
      if (interrupted) break;
      if (stepInEpoch < stepsPerEpoch) {
        // maxSteps reached inside an epoch.
        await pending?.then((b) => task.disposeBatch?.(b));
        await checkpoint('final');
        break;
      }
      const summary: EpochRecord = { epoch, meanLoss: epochLossSum / stepsPerEpoch, steps: stepsPerEpoch, seconds: (performance.now() - epochStart) / 1000 };
      epochs.push(summary);
      const metrics = (await options.onEpochEnd?.(epoch, summary)) ?? {};
      logger.write({ kind: 'epoch', ...summary, step, ...metrics });
      // The checkpoint of a finished epoch points at the start of the next one.
      epoch += 1;
      stepInEpoch = 0;
      epochLossSum = 0;
      await checkpoint(epoch >= options.maxEpoch || step >= totalSteps ? 'final' : 'epoch');
    }
    progress?.finish(interrupted ? 'interrupted' : 'done');
    return {
      steps: step, epochsCompleted: epoch, interrupted, checkpoint: lastCheckpoint, history, epochs,
      seconds: (performance.now() - started) / 1000, resumedFromStep,
    };
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    optimizer.dispose();
    await task.close?.();
  }
}

async function batchGradients<Batch>(task: TrainTask<Batch>, batch: Batch, context: TrainStepContext, variables: tf.Variable[]): Promise<BatchGradients> {
  if (task.gradients) return task.gradients(batch, context, variables);
  const { value, grads } = tf.variableGrads(() => task.loss(batch, context), variables);
  const loss = (await value.data())[0]!;
  value.dispose();
  return { loss, grads };
}

/** Adds `grads` (keyed by tfjs variable name) into a running sum keyed by parameter name; disposes what it replaces. */
function accumulateGradients(sum: Map<string, tf.Tensor> | null, grads: tf.NamedTensorMap, nameOf: ReadonlyMap<string, string>): Map<string, tf.Tensor> {
  const out = sum ?? new Map<string, tf.Tensor>();
  for (const [variableName, grad] of Object.entries(grads)) {
    const name = nameOf.get(variableName);
    if (name === undefined) throw new Error(`train: gradient for an unknown variable '${variableName}'`);
    const previous = out.get(name);
    if (previous) {
      out.set(name, tf.add(previous, grad));
      previous.dispose();
      grad.dispose();
    } else out.set(name, grad);
  }
  return out;
}

/** Scales all gradients in place by min(1, max / (‖g‖ + 1e-6)) as torch.nn.utils.clip_grad_norm_; returns the norm before clipping. */
export function clipGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) {
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, coefficient));
      g.dispose();
    }
  }
  return norm;
}
