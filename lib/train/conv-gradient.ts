import * as tf from '@tensorflow/tfjs';

/**
 * A faster gradient for tf.conv2d's filter during training. tfjs computes it with the
 * Conv2DBackpropFilter kernel, which the wasm backend lacks (it falls back to the cpu backend's scalar
 * loop: minutes per step for Prismer's expert stems). For a k×k kernel with stride s,
 * `dW[kh, kw, cin, cout] = Σ_{n,oh,ow} x_pad[n, oh·s + kh, ow·s + kw, cin] · dy[n, oh, ow, cout]`, which is
 * itself a convolution: the padded input with channels and batch swapped, convolved with dy as the
 * filter at dilation s — one fast native Conv2D. The input gradient keeps tfjs's Conv2DBackpropInput.
 * NHWC, no dilation (what Prismer uses); other cases keep the stock gradient.
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
    // Channels become the batch and the batch becomes the channels; dy is the filter, dilated by the stride.
    const input = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
    const kernel = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const full = tf.conv2d(input, kernel, 1, 'valid', 'NHWC', strides);
    const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D;
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
