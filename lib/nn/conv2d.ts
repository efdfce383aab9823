import * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';
import type { ParameterStore } from './parameters.js';
import { matMulWeightT } from './weight-matmul.js';

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding on every side (PyTorch `padding=p`), not TF's asymmetric 'same'. */
  padding?: number;
  bias?: boolean;
}

/**
 * PyTorch `nn.Conv2d` (square kernel, no dilation, no groups) applied to NHWC tensors. The weight keeps
 * the official layout [out, in, kh, kw] so checkpoints load as-is; it is transposed to TF's
 * [kh, kw, in, out] inside the forward pass (cheap next to the convolution, and the gradient flows).
 * Initialisation as torch's default: uniform ±1/sqrt(fan_in).
 */
export class Conv2d extends Module {
  readonly stride: number;
  readonly padding: number;
  readonly hasBias: boolean;

  constructor(store: ParameterStore, prefix: string, readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options: Conv2dOptions = {}) {
    super(store, prefix);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.hasBias = options.bias ?? true;
    const bound = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
    this.createParameter('weight', [outChannels, inChannels, kernelSize, kernelSize], { uniform: bound });
    if (this.hasBias) this.createParameter('bias', [outChannels], { uniform: bound });
  }

  /** Output spatial size for an input size, as PyTorch computes it. */
  outputSize(inputSize: number): number {
    return Math.floor((inputSize + 2 * this.padding - this.kernelSize) / this.stride) + 1;
  }

  /** x: [N, H, W, inChannels] → [N, H', W', outChannels]. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      this.checkInput(x);
      let y = tf.conv2d(x, this.filter(), this.stride, this.tfPadding());
      if (this.hasBias) y = tf.add(y, this.parameter('bias'));
      return y;
    });
  }

  /**
   * conv(x)·scale + shift per output channel, ReLU'd if asked, with scale folded into the filter and shift (plus
   * the conv's own bias·scale) as the bias of one fused convolution: an eval BatchNorm (`BatchNorm2d.evalScaleShift`)
   * absorbed into the conv before it, which the cuda backend runs as one GEMM with bias and ReLU in its epilogue.
   */
  applyFolded(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D, relu: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const { filter, bias } = this.foldedFilter(scale, shift);
      return this.applyFilter(x, filter, bias, relu);
    });
  }

  /** The filter [kh, kw, in, out] and bias [out] of `applyFolded`, for a caller that keeps them between calls. */
  foldedFilter(scale: tf.Tensor1D, shift: tf.Tensor1D): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    if (scale.shape[0] !== this.outChannels || shift.shape[0] !== this.outChannels) {
      throw new Error(`${this.prefix}: folded scale [${scale.shape.join(', ')}] and shift [${shift.shape.join(', ')}] must have ${this.outChannels} channels`);
    }
    return tf.tidy(() => ({
      filter: tf.mul(this.filter(), scale) as tf.Tensor4D,
      bias: this.hasBias ? (tf.add(tf.mul(this.parameter('bias'), scale), shift) as tf.Tensor1D) : tf.clone(shift),
    }));
  }

  /** One fused convolution with a given filter [kh, kw, in, out] and optional bias, ReLU'd if asked (this conv's stride and padding). */
  applyFilter(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, relu: boolean): tf.Tensor4D {
    this.checkInput(x);
    if (!bias && !relu) return tf.conv2d(x, filter, this.stride, this.tfPadding());
    return tf.fused.conv2d({ x, filter, strides: this.stride, pad: this.tfPadding(), bias, activation: relu ? 'relu' : 'linear' });
  }

  private checkInput(x: tf.Tensor4D): void {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`${this.prefix}: input has shape [${x.shape.join(', ')}], expected [N, H, W, ${this.inChannels}] (NHWC)`);
    }
  }

  /** The weight in TF's [kh, kw, in, out] layout. */
  filter(): tf.Tensor4D {
    return tf.transpose(this.parameter('weight'), [2, 3, 1, 0]) as tf.Tensor4D;
  }

  /** PyTorch's symmetric `padding=p` as TF's explicit padding. */
  private tfPadding(): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
    const p = this.padding;
    return p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
  }
}

/**
 * A convolution whose kernel equals its stride and has no padding (ViT patch embedding), computed as a
 * single matmul over non-overlapping patches: exact, and much faster than a general conv on wasm.
 * Input is NCHW as the official model receives it; output tokens are row-major `[N, gh*gw, out]`.
 * Rows/columns that do not fill a whole patch are dropped, as the strided conv drops them.
 */
export class PatchEmbedding extends Module {
  constructor(store: ParameterStore, prefix: string, readonly inChannels: number, readonly outChannels: number, readonly patchSize: number) {
    super(store, prefix);
    const bound = 1 / Math.sqrt(inChannels * patchSize * patchSize);
    this.createParameter('weight', [outChannels, inChannels, patchSize, patchSize], { uniform: bound });
  }

  /** Grid size of an image side. */
  gridSize(side: number): number {
    return Math.floor(side / this.patchSize);
  }

  /** x: [N, C, H, W] → { tokens [N, gh*gw, out], gridH, gridW }. */
  apply(x: tf.Tensor4D): { tokens: tf.Tensor3D; gridH: number; gridW: number } {
    const [n, c, h, w] = x.shape;
    if (x.rank !== 4 || c !== this.inChannels) {
      throw new Error(`${this.prefix}: input has shape [${x.shape.join(', ')}], expected [N, ${this.inChannels}, H, W] (NCHW)`);
    }
    const p = this.patchSize;
    const gh = this.gridSize(h);
    const gw = this.gridSize(w);
    if (gh === 0 || gw === 0) throw new Error(`${this.prefix}: input ${h}x${w} is smaller than one ${p}x${p} patch`);
    const tokens = tf.tidy(() => {
      const cropped = gh * p === h && gw * p === w ? x : tf.slice(x, [0, 0, 0, 0], [n, c, gh * p, gw * p]);
      // [N, C, gh, p, gw, p] → [N, gh, gw, C, p, p]: one row per patch in the weight's (in, kh, kw) order.
      const patches = tf.transpose(tf.reshape(cropped, [n, c, gh, p, gw, p]), [0, 2, 4, 1, 3, 5]).reshape([n * gh * gw, c * p * p]) as tf.Tensor2D;
      return tf.reshape(matMulWeightT(patches, this.parameter('weight')), [n, gh * gw, this.outChannels]) as tf.Tensor3D;
    });
    return { tokens, gridH: gh, gridW: gw };
  }
}
