import type * as tf from '@tensorflow/tfjs';
import type { ParameterInit, ParameterStore } from './parameters.js';

/**
 * Base of every layer: a name prefix inside a shared ParameterStore, so that parameter names are the
 * official state_dict keys (`prefix.weight`). Layers hold no tensors of their own.
 */
export abstract class Module {
  constructor(readonly store: ParameterStore, readonly prefix: string) {}

  /** Full parameter name of a local name (`weight` → `prefix.weight`). */
  protected key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  /** Prefix for a child module (`child('ln_1')` → `prefix.ln_1`). */
  protected child(name: string | number): string {
    return this.key(String(name));
  }

  protected createParameter(name: string, shape: number[], init: ParameterInit): tf.Variable {
    return this.store.create(this.key(name), shape, init);
  }

  protected createBuffer(name: string, shape: number[], init: ParameterInit): tf.Variable {
    return this.store.create(this.key(name), shape, init, { buffer: true });
  }

  protected parameter(name: string): tf.Variable {
    return this.store.get(this.key(name));
  }
}
