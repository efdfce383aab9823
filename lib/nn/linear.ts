import * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';
import { FUSED_KERNELS, fusedAvailable, fusedLinearAdd } from './fused.js';
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
    return this.project(x, 'linear');
  }

  /** Prismer's SquaredReLU of apply(x), `relu(apply(x))²`; with a bias the ReLU rides in the GEMM's epilogue where the backend fuses it. */
  applySquaredRelu<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => tf.square(this.project(x, 'relu')) as T);
  }

  private project<T extends tf.Tensor>(x: T, activation: 'linear' | 'relu'): T {
    return tf.tidy(() => {
      const lastAxis = x.shape[x.rank - 1];
      if (lastAxis !== this.inFeatures) {
        throw new Error(`${this.prefix}: input has ${lastAxis} features, expected ${this.inFeatures}`);
      }
      const weight = this.parameter('weight');
      if (this.hasBias && x.rank >= 2) return linearWeightT(x, weight, this.parameter('bias') as tf.Tensor1D, 0, weight.shape[0], activation);
      const flat = x.reshape([-1, this.inFeatures]) as tf.Tensor2D;
      let y: tf.Tensor = this.hasBias ? tf.add(matMulWeightT(flat, weight), this.parameter('bias')) : matMulWeightT(flat, weight);
      if (activation === 'relu') y = tf.relu(y);
      return y.reshape([...x.shape.slice(0, -1), this.outFeatures]) as T;
    });
  }

  /** apply(x) + residual (a residual connection), as one GEMM with the add in its epilogue where the backend fuses it. */
  applyAdd<T extends tf.Tensor>(x: T, residual: T): T {
    return tf.tidy(() => {
      const fused = this.hasBias && x.rank >= 2 && x.dtype === 'float32' && residual.dtype === 'float32' && fusedAvailable(FUSED_KERNELS.linearAdd);
      if (!fused) return tf.add(this.apply(x), residual) as T;
      const expected = [...x.shape.slice(0, -1), this.outFeatures];
      if (x.shape[x.rank - 1] !== this.inFeatures || residual.shape.length !== expected.length || residual.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`${this.prefix}: input [${x.shape.join(', ')}] and residual [${residual.shape.join(', ')}] do not fit a linear layer ${this.inFeatures} → ${this.outFeatures}`);
      }
      return fusedLinearAdd(x, this.parameter('weight'), this.parameter('bias'), residual);
    });
  }
}
