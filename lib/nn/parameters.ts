import * as tf from '@tensorflow/tfjs';
import { DerivedTensors } from './derived-tensors.js';

/** How a parameter starts before a checkpoint is loaded. `normal`/`uniform` give the std / half-width. */
export type ParameterInit = 'zeros' | 'ones' | { normal: number } | { uniform: number } | { values: tf.Tensor };

/**
 * Every parameter and buffer of a model, keyed by its official PyTorch state_dict name
 * (`expert_encoder.transformer.resblocks.0.0.attn.in_proj_weight`, ...). Buffers such as BatchNorm
 * running statistics are non-trainable variables. Random initialisation is seeded, so two stores built
 * with the same seed hold identical values.
 */
export class ParameterStore {
  private readonly variables = new Map<string, tf.Variable>();
  private readonly bufferNames = new Set<string>();
  /** Variables another store owns (`adopt`): shared, never disposed by this one. */
  private readonly borrowed = new Set<string>();
  private readonly derivedTensors = new DerivedTensors();
  private nextSeed: number;

  constructor(seed = 0) {
    this.nextSeed = seed * 7919 + 17;
  }

  /** Creates a parameter (or, with `buffer: true`, a non-trainable buffer) under a unique name. */
  create(name: string, shape: number[], init: ParameterInit, options: { buffer?: boolean } = {}): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter '${name}' is defined twice`);
    const value = tf.tidy(() => {
      if (init === 'zeros') return tf.zeros(shape);
      if (init === 'ones') return tf.ones(shape);
      if ('values' in init) {
        const got = init.values.shape.join(',');
        if (got !== shape.join(',')) throw new Error(`parameter '${name}': initial values have shape [${got}], expected [${shape.join(', ')}]`);
        return init.values.clone();
      }
      const seed = this.nextSeed++;
      if ('normal' in init) return tf.randomNormal(shape, 0, init.normal, 'float32', seed);
      return tf.randomUniform(shape, -init.uniform, init.uniform, 'float32', seed);
    });
    const variable = tf.variable(value, !options.buffer);
    value.dispose();
    this.variables.set(name, variable);
    if (options.buffer) this.bufferNames.add(name);
    return variable;
  }

  /**
   * Shares a variable another store owns under `name`, e.g. to train part of a model with its own auxiliary
   * parameters through one store; `dispose` leaves it to its owner.
   */
  adopt(name: string, variable: tf.Variable, options: { buffer?: boolean } = {}): void {
    if (this.variables.has(name)) throw new Error(`parameter '${name}' is defined twice`);
    this.variables.set(name, variable);
    this.borrowed.add(name);
    if (options.buffer) this.bufferNames.add(name);
  }

  get(name: string): tf.Variable {
    const variable = this.variables.get(name);
    if (!variable) throw new Error(`no parameter named '${name}'`);
    return variable;
  }

  has(name: string): boolean {
    return this.variables.has(name);
  }

  isBuffer(name: string): boolean {
    return this.bufferNames.has(name);
  }

  /** Names in creation order (the order of the official state_dict for modules built in that order). */
  names(): string[] {
    return [...this.variables.keys()];
  }

  entries(): Array<[string, tf.Variable]> {
    return [...this.variables.entries()];
  }

  /** Parameters (not buffers) whose `trainable` flag is set: what an optimiser updates. */
  trainableVariables(): tf.Variable[] {
    return this.entries().filter(([name, v]) => v.trainable && !this.bufferNames.has(name)).map(([, v]) => v);
  }

  /** Sets `trainable` on every parameter (buffers stay frozen) according to `predicate(name)`. */
  setTrainable(predicate: (name: string) => boolean): void {
    for (const [name, variable] of this.variables) {
      variable.trainable = !this.bufferNames.has(name) && predicate(name);
    }
  }

  /** Number of scalar values in parameters (buffers excluded), as PyTorch's `sum(p.numel())`. */
  parameterCount(): number {
    let total = 0;
    for (const [name, variable] of this.variables) if (!this.bufferNames.has(name)) total += variable.size;
    return total;
  }

  /**
   * Tensors computed from parameters alone (a filter in TF's layout, a BatchNorm folded into a conv), kept under
   * `key` between inference calls and recomputed when any of `sources` is assigned (`DerivedTensors`). Not
   * differentiable: for inference paths only. The store disposes them with its variables.
   */
  derived<T extends tf.Tensor[]>(key: string, sources: readonly tf.Tensor[], compute: () => T): T {
    return this.derivedTensors.get(key, sources, compute);
  }

  /** Disposes the variables this store created (adopted ones stay with their owner) and its derived tensors. */
  dispose(): void {
    this.derivedTensors.clear();
    for (const [name, variable] of this.variables) if (!this.borrowed.has(name)) variable.dispose();
    this.variables.clear();
    this.bufferNames.clear();
    this.borrowed.clear();
  }
}
