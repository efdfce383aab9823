import * as tf from '@tensorflow/tfjs';
import type { TensorRecord } from '../io/tensor-record.js';
import type { ParameterStore } from '../nn/parameters.js';

export interface AdamWOptions {
  /** Learning rate of the next step; the trainer sets it from the schedule before every step. */
  lr: number;
  /** torch default (0.9, 0.999). */
  betas?: [number, number];
  /** torch default 1e-8. */
  eps?: number;
  /** torch default 0.01; the official configs use 0.05. Applied to every parameter, as the official scripts do. */
  weightDecay?: number;
  /**
   * Learning-rate multipliers by parameter-name prefix (the longest matching prefix wins; 1 elsewhere),
   * e.g. `{ expert_encoder: 0.1 }`: parameter groups with their own lr, as torch's param_groups. The
   * multiplier scales the step and the decoupled decay alike (torch applies each group's lr to both).
   */
  lrScale?: Readonly<Record<string, number>>;
}

/** A config's `train.lr_scale` map as AdamW multipliers; a non-number or negative value is an error naming the key. */
export function parseLrScale(map: Readonly<Record<string, number | string | boolean>>, where = 'train.lr_scale'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [prefix, value] of Object.entries(map)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${where}.${prefix}: expected a learning-rate multiplier (a number >= 0), got ${JSON.stringify(value)}`);
    }
    out[prefix] = value;
  }
  return out;
}

/** The multiplier of `name` under `scales`: the value of its longest matching prefix, 1 when none matches. */
export function lrScaleFor(name: string, scales: Readonly<Record<string, number>>): number {
  let best = '';
  for (const prefix of Object.keys(scales)) {
    if (name.startsWith(prefix) && prefix.length > best.length) best = prefix;
  }
  return best === '' ? 1 : scales[best]!;
}

/**
 * The parameters training updates: trainable under the freeze mode, not a buffer, and with a multiplier above 0
 * (a group with multiplier 0 is frozen outright: no gradient is computed for it).
 */
export function parametersToTrain(store: ParameterStore, scales: Readonly<Record<string, number>>): Array<[string, tf.Variable]> {
  return store.entries().filter(([name, v]) => v.trainable && !store.isBuffer(name) && lrScaleFor(name, scales) > 0);
}

interface Slot {
  param: tf.Variable;
  lrScale: number;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/**
 * AdamW as torch.optim.AdamW (amsgrad=False, maximize=False): decoupled weight decay
 * `p ← p·(1 − lr·wd)`, then `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)`. tfjs ships no AdamW (its Adam adds the decay to
 * the gradient), hence this class. Parameters are keyed by name so that the state survives a model
 * rebuilt from a checkpoint.
 */
export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken (torch keeps the same count per parameter). */
  stepCount = 0;
  private readonly slots = new Map<string, Slot>();

  constructor(params: Iterable<[string, tf.Variable]>, options: AdamWOptions) {
    this.lr = options.lr;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const scales = options.lrScale ?? {};
    for (const [prefix, scale] of Object.entries(scales)) {
      if (!(Number.isFinite(scale) && scale >= 0)) throw new Error(`AdamW: lrScale['${prefix}'] must be a finite number >= 0, got ${scale}`);
    }
    for (const [name, param] of params) {
      if (this.slots.has(name)) throw new Error(`AdamW: parameter '${name}' given twice`);
      if (param.dtype !== 'float32') throw new Error(`AdamW: parameter '${name}' has dtype ${param.dtype}, expected float32`);
      this.slots.set(name, { param, lrScale: lrScaleFor(name, scales), expAvg: tf.variable(tf.zerosLike(param), false), expAvgSq: tf.variable(tf.zerosLike(param), false) });
    }
  }

  /** Names of the parameters this optimiser updates, in order. */
  parameterNames(): string[] {
    return [...this.slots.keys()];
  }

  /**
   * One update with `grads` keyed by parameter name. A parameter without a gradient is skipped
   * entirely (as torch skips `p.grad is None`), but the step count still advances.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of grads.keys()) if (!this.slots.has(name)) throw new Error(`AdamW.step: gradient for unknown parameter '${name}'`);
    this.stepCount += 1;
    const t = this.stepCount;
    const biasCorrection1 = 1 - this.beta1 ** t;
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    for (const [name, slot] of this.slots) {
      const lr = this.lr * slot.lrScale;
      const stepSize = lr / biasCorrection1;
      const decay = 1 - lr * this.weightDecay;
      const grad = grads.get(name);
      if (!grad) continue;
      if (grad.shape.join(',') !== slot.param.shape.join(',')) {
        throw new Error(`AdamW.step: gradient of '${name}' has shape [${grad.shape}], parameter has [${slot.param.shape}]`);
      }
      tf.tidy(() => {
        const m = tf.add(tf.mul(slot.expAvg, this.beta1), tf.mul(grad, 1 - this.beta1));
        const v = tf.add(tf.mul(slot.expAvgSq, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), this.eps);
        const decayed = decay === 1 ? slot.param : tf.mul(slot.param, decay);
        slot.param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
        slot.expAvg.assign(m);
        slot.expAvgSq.assign(v);
      });
    }
  }

  /** The state as host tensors: `<name>.exp_avg`, `<name>.exp_avg_sq` (torch's state keys). */
  async stateRecords(): Promise<Map<string, TensorRecord>> {
    const out = new Map<string, TensorRecord>();
    for (const [name, slot] of this.slots) {
      out.set(`${name}.exp_avg`, { dtype: 'F32', shape: [...slot.expAvg.shape], data: (await slot.expAvg.data()) as Float32Array });
      out.set(`${name}.exp_avg_sq`, { dtype: 'F32', shape: [...slot.expAvgSq.shape], data: (await slot.expAvgSq.data()) as Float32Array });
    }
    return out;
  }

  /** Restores moments saved by `stateRecords` and the step count; every parameter must be present. */
  loadState(records: ReadonlyMap<string, TensorRecord>, stepCount: number, source = 'optimizer state'): void {
    for (const [name, slot] of this.slots) {
      for (const [suffix, target] of [['exp_avg', slot.expAvg], ['exp_avg_sq', slot.expAvgSq]] as const) {
        const record = records.get(`${name}.${suffix}`);
        if (!record) throw new Error(`${source}: missing '${name}.${suffix}' (was the checkpoint made with another freeze mode or model?)`);
        if (record.shape.join(',') !== target.shape.join(',')) {
          throw new Error(`${source}: '${name}.${suffix}' has shape [${record.shape}], expected [${target.shape}]`);
        }
        if (!(record.data instanceof Float32Array)) throw new Error(`${source}: '${name}.${suffix}' must be F32, got ${record.dtype}`);
        tf.tidy(() => target.assign(tf.tensor(record.data as Float32Array, target.shape, 'float32')));
      }
    }
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const slot of this.slots.values()) {
      slot.expAvg.dispose();
      slot.expAvgSq.dispose();
    }
    this.slots.clear();
  }
}
