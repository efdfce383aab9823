import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d, type BatchNormApplyOptions } from '../../nn/batch-norm.js';
import { Conv2d } from '../../nn/conv2d.js';
import { gpuInference } from '../../nn/fused.js';
import { upsamplingBilinear2dToNHWC } from '../../nn/interpolate.js';
import { Module } from '../../nn/module.js';
import type { ParameterStore } from '../../nn/parameters.js';

/** The two stem shapes of the official `VisionTransformer.conv1[expert]` Sequentials. */
export type StemKind = 'dense' | 'categorical';

/**
 * Stem of a non-rgb expert: `UpsamplingBilinear2d(scale)` (index 0) then four 3x3 convs (indices
 * 1/4/7/10, padding 1, no bias) each followed by eval-mode BatchNorm (2/5/8/11) and ReLU, then a 1x1 conv
 * (13). Channels in → w/8 → w/4 → w/2 → w → w. 'dense' (depth, normal, edge): scale 16/patch, strides
 * 2,2,2,2. 'categorical' (seg, obj_detection, ocr_detection; 64 input channels): scale 4/patch, strides
 * 2,2,1,1. Input NCHW (as the official model and the data pipeline give it), output NHWC [B, h, w, width].
 */
export class ExpertStem extends Module {
  readonly scaleFactor: number;
  readonly convs: Conv2d[] = [];
  readonly norms: BatchNorm2d[] = [];
  readonly projection: Conv2d;

  constructor(store: ParameterStore, prefix: string, readonly kind: StemKind, readonly inChannels: number, readonly width: number, readonly patchSize: number) {
    super(store, prefix);
    if (width % 8 !== 0) throw new Error(`${prefix}: width ${width} must be divisible by 8 for the expert stem`);
    this.scaleFactor = (kind === 'dense' ? 16 : 4) / patchSize;
    const channels = [inChannels, width / 8, width / 4, width / 2, width];
    const strides = kind === 'dense' ? [2, 2, 2, 2] : [2, 2, 1, 1];
    for (let i = 0; i < 4; i++) {
      this.convs.push(new Conv2d(store, this.child(1 + 3 * i), channels[i]!, channels[i + 1]!, 3, { stride: strides[i]!, padding: 1, bias: false }));
      this.norms.push(new BatchNorm2d(store, this.child(2 + 3 * i), channels[i + 1]!));
    }
    this.projection = new Conv2d(store, this.child(13), width, width, 1, { bias: false });
  }

  /** x: [B, inChannels, H, W] → [B, h, w, width]. */
  apply(x: tf.Tensor4D, options: BatchNormApplyOptions = {}): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new Error(`${this.prefix}: input has shape [${x.shape.join(', ')}], expected [B, ${this.inChannels}, H, W] (NCHW)`);
    }
    return tf.tidy(() => {
      let h = upsamplingBilinear2dToNHWC(x, this.scaleFactor);
      if (!options.training && gpuInference()) return this.applyFolded(h);
      for (let i = 0; i < 4; i++) h = this.norms[i]!.apply(this.convs[i]!.apply(h), { ...options, relu: true });
      return this.projection.apply(h);
    });
  }

  /**
   * GPU inference: each eval BatchNorm folded into its conv (one GEMM with bias and ReLU in the epilogue). The folded
   * filters are derived from the parameters once and kept by the store until one of them changes, which spares
   * every forward ~30 small kernels per stem (the filter transposes and the folding arithmetic).
   */
  private applyFolded(upsampled: tf.Tensor4D): tf.Tensor4D {
    let h = upsampled;
    for (let i = 0; i < 4; i++) {
      const conv = this.convs[i]!, norm = this.norms[i]!;
      const sources = [`${conv.prefix}.weight`, ...['weight', 'bias', 'running_mean', 'running_var'].map((name) => `${norm.prefix}.${name}`)].map((name) => this.store.get(name));
      const [filter, bias] = this.store.derived(`${conv.prefix}:folded`, sources, () => {
        const { scale, shift } = norm.evalScaleShift();
        const folded = conv.foldedFilter(scale, shift);
        return [folded.filter, folded.bias] as [tf.Tensor4D, tf.Tensor1D];
      });
      h = conv.applyFilter(h, filter, bias, true);
    }
    const [projection] = this.store.derived(`${this.projection.prefix}:filter`, [this.store.get(`${this.projection.prefix}.weight`)], () => [this.projection.filter()] as [tf.Tensor4D]);
    return this.projection.applyFilter(h, projection, undefined, false);
  }
}
