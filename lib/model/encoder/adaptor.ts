import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import type { ParameterStore } from '../../nn/parameters.js';

/**
 * Prismer's `Adaptor(embed_dim, norm_late)`: `down_proj` (E → E, not a bottleneck), SquaredReLU,
 * `up_proj`, and `adaptor_ln`. norm_late=false (vision): `x + up(sq_relu(down(ln(x))))`;
 * norm_late=true (language): `ln(up(sq_relu(down(x))) + x)`. Returns the new hidden states.
 */
export class Adaptor extends Module {
  readonly downProj: Linear;
  readonly upProj: Linear;
  readonly adaptorLn: LayerNorm;

  constructor(store: ParameterStore, prefix: string, readonly embedDim: number, readonly normLate = false, options: { std?: number; eps?: number } = {}) {
    super(store, prefix);
    const std = options.std ?? 1 / Math.sqrt(3 * embedDim);
    this.downProj = new Linear(store, this.child('adaptor.down_proj'), embedDim, embedDim, { std });
    this.upProj = new Linear(store, this.child('adaptor.up_proj'), embedDim, embedDim, { std });
    this.adaptorLn = new LayerNorm(store, this.child('adaptor_ln'), embedDim, options.eps ?? 1e-5);
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const branchPlus = (h: T) => this.upProj.applyAdd(this.downProj.applySquaredRelu(h), x);
      if (this.normLate) return this.adaptorLn.apply(branchPlus(x));
      return branchPlus(this.adaptorLn.apply(x));
    });
  }
}
