import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, fusedAvailable, fusedScaleShift } from './fused.js';
import { Module } from './module.js';
import type { ParameterStore } from './parameters.js';

/**
 * PyTorch `nn.BatchNorm2d` on NHWC tensors (channels last). Parameters `weight`, `bias` and buffers
 * `running_mean`, `running_var`, `num_batches_tracked` (int32 here, int64 in checkpoints) keep the
 * official names and order. Eval mode normalises with the running statistics; training mode with the
 * batch statistics (biased variance) and updates the running ones as torch does (momentum 0.1,
 * unbiased variance in the running average). `momentum` in the apply options overrides the module's for one
 * call (1/k on the k-th batch gives torch's `momentum=None` cumulative average, used to calibrate a frozen stem).
 */
export interface BatchNormApplyOptions {
  /** Batch statistics (and a running-statistics update) instead of the running statistics. */
  training?: boolean;
  /** Running-average momentum for this call (training mode only); default the module's. */
  momentum?: number;
  /** Follow with a ReLU (fused into one pass in eval mode where the backend has the kernel). */
  relu?: boolean;
}

export class BatchNorm2d extends Module {
  constructor(store: ParameterStore, prefix: string, readonly channels: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super(store, prefix);
    this.createParameter('weight', [channels], 'ones');
    this.createParameter('bias', [channels], 'zeros');
    this.createBuffer('running_mean', [channels], 'zeros');
    this.createBuffer('running_var', [channels], 'ones');
    const zero = tf.scalar(0, 'int32');
    this.createBuffer('num_batches_tracked', [], { values: zero });
    zero.dispose();
  }

  /** x: [N, H, W, C]. */
  apply(x: tf.Tensor4D, options: BatchNormApplyOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      if (x.rank !== 4 || x.shape[3] !== this.channels) {
        throw new Error(`${this.prefix}: input has shape [${x.shape.join(', ')}], expected [N, H, W, ${this.channels}] (NHWC)`);
      }
      const weight = this.parameter('weight');
      const bias = this.parameter('bias');
      const relu = (y: tf.Tensor4D) => (options.relu ? (tf.relu(y) as tf.Tensor4D) : y);
      if (options.training) return relu(this.applyTraining(x, weight, bias, options.momentum ?? this.momentum));
      const { scale, shift } = this.evalScaleShift();
      if (x.dtype === 'float32' && fusedAvailable(FUSED_KERNELS.scaleShift)) return fusedScaleShift(x, scale, shift, options.relu ?? false);
      return relu(tf.add(tf.mul(x, scale), shift) as tf.Tensor4D);
    });
  }

  /**
   * Eval mode as one affine map per channel, y = x·scale + shift with scale = w / sqrt(var + eps) and
   * shift = b − mean·scale, as torch's CPU inference kernel folds it (and as a convolution before it can absorb it).
   */
  evalScaleShift(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.parameter('weight'), tf.rsqrt(tf.add(this.parameter('running_var'), this.eps))) as tf.Tensor1D;
      const shift = tf.sub(this.parameter('bias'), tf.mul(this.parameter('running_mean'), scale)) as tf.Tensor1D;
      return { scale, shift };
    });
  }

  private applyTraining(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor, m: number): tf.Tensor4D {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const count = x.shape[0] * x.shape[1] * x.shape[2];
    const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))), weight), bias) as tf.Tensor4D;
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    const runningMean = this.parameter('running_mean');
    const runningVar = this.parameter('running_var');
    const tracked = this.parameter('num_batches_tracked');
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
    runningVar.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(unbiased, m)));
    tracked.assign(tf.add(tracked, tf.scalar(1, 'int32')));
    return y;
  }
}
