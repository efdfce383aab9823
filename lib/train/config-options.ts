import type { ExperimentConfig } from '../config/schema.js';
import { parseLrScale } from './adamw.js';
import { experimentScheduleKind } from './schedule.js';
import type { TrainerOptions } from './trainer.js';

/**
 * The trainer settings an experiment config fixes (batching, optimiser, schedule, clipping, logging),
 * shared by `prismer train`, the classification/pre-training runs and sweep cells; callers add the run
 * folder and their run-time options (resume, step or time limits, progress, callbacks).
 */
export function configTrainerOptions(config: ExperimentConfig): Omit<TrainerOptions, 'outDir'> {
  return {
    batchSize: config.batch_size_train, accumulation: config.train.grad_accum_steps, maxEpoch: config.max_epoch,
    schedule: { kind: experimentScheduleKind(config.task, config.warmup_steps), initLr: config.init_lr, minLr: config.min_lr, warmupLr: config.warmup_lr, warmupSteps: config.warmup_steps },
    weightDecay: config.weight_decay, seed: config.train.seed, config,
    clipGradNorm: config.train.clip_grad_norm, keepCheckpoints: config.train.keep_checkpoints,
    lrScale: parseLrScale(config.train.lr_scale), logEverySteps: config.train.log_every,
  };
}
