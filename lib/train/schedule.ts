/**
 * Learning-rate schedules exactly as the official scripts apply them (utils.py):
 *
 * - `cosine-per-step` (train_caption.py, train_classification.py): before every step,
 *   lr = cosine(epoch * stepsPerEpoch + i, maxEpoch * stepsPerEpoch).
 * - `cosine-per-epoch` (train_vqa.py): lr = cosine(epoch, maxEpoch), set once at the start of an epoch.
 * - `cosine-per-epoch-warmup` (train_pretrain.py): the per-epoch cosine, overridden by the linear
 *   warm-up for the first `warmupSteps` steps. The override is sticky: after the last warm-up step the
 *   lr stays at that warm-up value until the next epoch sets the cosine again (the official loop only
 *   assigns the lr at epoch starts and during warm-up).
 * - `warmup-cosine-per-step` (not official; chosen by `warmup_steps > 0` in a caption / VQA config, as
 *   the `npm start` configs do to train from scratch): a linear warm-up from `warmupLr` to `initLr` over
 *   the first `warmupSteps` global steps, then the per-step cosine from `initLr` down to `minLr` over the
 *   remaining steps. The per-epoch cosine of train_vqa.py stays at `initLr` for a run shorter than one
 *   epoch, and a randomly initialised transformer diverges without warm-up at the lr it needs to learn fast.
 *
 * The official pre-training script restarts its warm-up counter when it is relaunched from a
 * checkpoint; we count warm-up in global steps, so a resumed run follows the same schedule as an
 * uninterrupted one.
 */
export type LrScheduleKind = 'cosine-per-step' | 'cosine-per-epoch' | 'cosine-per-epoch-warmup' | 'warmup-cosine-per-step' | 'constant';

export interface LrScheduleConfig {
  kind: LrScheduleKind;
  /** `init_lr` of the official configs: the peak (and starting) lr of the cosine. */
  initLr: number;
  /** `min_lr`: where the cosine ends. */
  minLr: number;
  /** `max_epoch`. */
  maxEpoch: number;
  /** Optimiser steps per epoch (`len(train_loader)` in the official scripts). */
  stepsPerEpoch: number;
  /** `warmup_lr`: the lr of warm-up step 0 (pre-training only). */
  warmupLr?: number;
  /** `warmup_steps` (pre-training only). */
  warmupSteps?: number;
  /**
   * Planned optimiser steps when training stops before max_epoch (a time budget): the cosine then
   * reaches min_lr at this step instead of at max_epoch * stepsPerEpoch.
   */
  plannedSteps?: number;
}

/** utils.cosine_lr_schedule: (init - min) * 0.5 * (1 + cos(pi * t / T)) + min. */
export function cosineLr(t: number, total: number, initLr: number, minLr: number): number {
  return (initLr - minLr) * 0.5 * (1 + Math.cos((Math.PI * t) / total)) + minLr;
}

/** utils.warmup_lr_schedule: min(max, init + (max - init) * step / maxStep). */
export function warmupLr(step: number, maxStep: number, initLr: number, maxLr: number): number {
  return Math.min(maxLr, initLr + ((maxLr - initLr) * step) / maxStep);
}

/** Checks a schedule config once, naming the offending field. */
export function validateLrSchedule(config: LrScheduleConfig, source = 'schedule'): void {
  const positive = (value: number, field: string): void => {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${source}: ${field} must be a positive number, got ${value}`);
  };
  if (!Number.isFinite(config.initLr) || config.initLr < 0) throw new Error(`${source}: init_lr must be a number >= 0, got ${config.initLr}`);
  if (!Number.isFinite(config.minLr) || config.minLr < 0) throw new Error(`${source}: min_lr must be a number >= 0, got ${config.minLr}`);
  positive(config.maxEpoch, 'max_epoch');
  if (!Number.isInteger(config.stepsPerEpoch) || config.stepsPerEpoch <= 0) {
    throw new Error(`${source}: steps per epoch must be a positive integer, got ${config.stepsPerEpoch} (is the training set smaller than one batch?)`);
  }
  if (config.kind === 'cosine-per-epoch-warmup' || config.kind === 'warmup-cosine-per-step') {
    if (config.warmupLr === undefined || !Number.isFinite(config.warmupLr)) throw new Error(`${source}: warmup_lr is required for the warm-up schedule`);
    if (config.warmupSteps === undefined || !Number.isInteger(config.warmupSteps) || config.warmupSteps < 0) {
      throw new Error(`${source}: warmup_steps must be an integer >= 0, got ${config.warmupSteps}`);
    }
  }
}

/**
 * The lr of the optimiser step taken at (`epoch`, `iteration` within the epoch). Warm-up is counted in
 * global steps (epoch * stepsPerEpoch + iteration), as the official counter does in one uninterrupted run.
 */
export function learningRateAt(config: LrScheduleConfig, epoch: number, iteration: number): number {
  const step = epoch * config.stepsPerEpoch + iteration;
  const totalSteps = config.plannedSteps ?? config.maxEpoch * config.stepsPerEpoch;
  const maxEpoch = totalSteps / config.stepsPerEpoch;
  switch (config.kind) {
    case 'constant':
      return config.initLr;
    case 'cosine-per-step':
      return cosineLr(step, totalSteps, config.initLr, config.minLr);
    case 'cosine-per-epoch':
      return cosineLr(epoch, maxEpoch, config.initLr, config.minLr);
    case 'warmup-cosine-per-step': {
      const warmupSteps = config.warmupSteps ?? 0;
      if (step < warmupSteps) return warmupLr(step, warmupSteps, config.warmupLr ?? 0, config.initLr);
      return cosineLr(step - warmupSteps, Math.max(1, totalSteps - warmupSteps), config.initLr, config.minLr);
    }
    case 'cosine-per-epoch-warmup': {
      const warmupSteps = config.warmupSteps ?? 0;
      const start = config.warmupLr ?? config.initLr;
      if (step < warmupSteps) return warmupLr(step, warmupSteps, start, config.initLr);
      // Sticky warm-up: the last warm-up step ran earlier in this epoch and nothing has set the cosine since.
      if (epoch * config.stepsPerEpoch < warmupSteps) return warmupLr(warmupSteps - 1, warmupSteps, start, config.initLr);
      return cosineLr(epoch, maxEpoch, config.initLr, config.minLr);
    }
  }
}

/** The schedule each official task uses. */
export function officialScheduleKind(task: 'caption' | 'vqa' | 'pretrain' | 'classify' | 'classification'): LrScheduleKind {
  if (task === 'vqa') return 'cosine-per-epoch';
  if (task === 'pretrain') return 'cosine-per-epoch-warmup';
  return 'cosine-per-step';
}

/**
 * The schedule a caption / VQA / classification run uses: the official one, or `warmup-cosine-per-step`
 * when the config asks for a warm-up (`warmup_steps > 0`; the official configs of these tasks have none).
 * Pre-training always keeps its official sticky warm-up.
 */
export function experimentScheduleKind(task: 'caption' | 'vqa' | 'pretrain' | 'classify' | 'classification', warmupSteps: number): LrScheduleKind {
  if (task !== 'pretrain' && warmupSteps > 0) return 'warmup-cosine-per-step';
  return officialScheduleKind(task);
}
