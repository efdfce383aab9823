import * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';
import { linearWeightT, matMulWeightT } from './weight-matmul.js';
import type { ParameterStore } from './parameters.js';

/** PyTorch `nn.Linear`: weight [out, in], optional bias [out]; applies to the last axis of any rank. */
export class Linear extends Module {
  constructor(store: ParameterStore, prefix: string, readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean; std?: number } = {}) {
    super(store, prefix);
    this.createParameter('weight', [outFeatures, inFeatures], { normal: options.std ?? 0.02 });
    this.hasBias = options.bias ?? true;
    if (this.hasBias) this.createParameter('bias', [outFeatures], 'zeros');
  }

  readonly hasBias: boolean;

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const lastAxis = x.shape[x.rank - 1];
      if (lastAxis !== this.inFeatures) {
        throw new Error(`${this.prefix}: input has ${lastAxis} features, expected ${this.inFeatures}`);
      }
      const weight = this.parameter('weight');
      if (this.hasBias && x.rank >= 2) return linearWeightT(x, weight, this.parameter('bias') as tf.Tensor1D);
      const flat = x.reshape([-1, this.inFeatures]) as tf.Tensor2D;
      const y = this.hasBias ? tf.add(matMulWeightT(flat, weight), this.parameter('bias')) : matMulWeightT(flat, weight);
      return y.reshape([...x.shape.slice(0, -1), this.outFeatures]) as T;
    });
  }
}
