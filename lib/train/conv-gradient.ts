import * as tf from '@tensorflow/tfjs';

/**
 * A faster gradient for tf.conv2d's filter during training. tfjs computes it with the
 * Conv2DBackpropFilter kernel, which the wasm backend lacks (it falls back to the cpu backend's scalar
 * loop, ~100x slower than a matmul: minutes per step for Prismer's expert stems). Here the filter
 * gradient is one matmul over im2col patches: for a k×k kernel with stride s,
 * `dW[kh, kw, cin, cout] = Σ_{n,oh,ow} x_pad[n, oh·s + kh, ow·s + kw, cin] · dy[n, oh, ow, cout]`, i.e.
 * `patchesᵀ @ dy` with the k² strided slices of the padded input concatenated along channels. The
 * input gradient keeps tfjs's Conv2DBackpropInput. NHWC, no dilation (what Prismer uses); other cases
 * keep the stock gradient.
 */

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

function explicitPadding(pad: unknown, inH: number, inW: number, k: [number, number], strides: [number, number]): ExplicitPad | null {
  if (pad === 'valid') return [[0, 0], [0, 0], [0, 0], [0, 0]];
  if (typeof pad === 'number') return [[0, 0], [pad, pad], [pad, pad], [0, 0]];
  if (pad === 'same') {
    const total = (size: number, kernel: number, stride: number): number => Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
    const th = total(inH, k[0], strides[0]);
    const tw = total(inW, k[1], strides[1]);
    return [[0, 0], [Math.floor(th / 2), th - Math.floor(th / 2)], [Math.floor(tw / 2), tw - Math.floor(tw / 2)], [0, 0]];
  }
  if (Array.isArray(pad) && pad.length === 4) return pad as ExplicitPad;
  return null;
}

/** The filter gradient of an NHWC conv2d by im2col + one matmul; null when the case is not covered. */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], stridesAttr: number | [number, number], pad: unknown): tf.Tensor4D | null {
  const strides: [number, number] = typeof stridesAttr === 'number' ? [stridesAttr, stridesAttr] : stridesAttr;
  const [kh, kw, cin, cout] = filterShape;
  const [n, inH, inW] = x.shape;
  const [, outH, outW] = dy.shape;
  const padding = explicitPadding(pad, inH, inW, [kh, kw], strides);
  if (!padding) return null;
  return tf.tidy(() => {
    const padded = padding.every(([a, b]) => a === 0 && b === 0) ? x : tf.pad(x, padding);
    const slices: tf.Tensor4D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        slices.push(tf.stridedSlice(padded, [0, i, j, 0], [n, i + (outH - 1) * strides[0] + 1, j + (outW - 1) * strides[1] + 1, cin], [1, strides[0], strides[1], 1]) as tf.Tensor4D);
      }
    }
    const rows = n * outH * outW;
    const patches = (slices.length === 1 ? slices[0]! : tf.concat(slices, 3)).reshape([rows, kh * kw * cin]);
    // patchesᵀ materialised: wasm sends only untransposed matmuls to XNNPACK.
    const grad = tf.matMul(tf.transpose(patches), dy.reshape([rows, cout]));
    return grad.reshape([kh, kw, cin, cout]) as tf.Tensor4D;
  });
}

let installed = false;

/** Registers the im2col filter gradient for Conv2D (idempotent). Results equal the stock gradient to float rounding. */
export function installFastConv2dGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const grad = dy as tf.Tensor4D;
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as {
        strides: number | [number, number]; pad: 'valid' | 'same' | number | ExplicitPad; dataFormat: 'NHWC' | 'NCHW';
        dilations: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const dilated = Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1;
      const simple = dataFormat !== 'NCHW' && !dilated && dimRoundingMode === undefined;
      const stockFilter = (): tf.Tensor => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: grad }, { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: grad, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => (simple ? conv2dFilterGradient(x, grad, filter.shape as [number, number, number, number], strides, pad) : null) ?? stockFilter(),
      };
    },
  });
}
