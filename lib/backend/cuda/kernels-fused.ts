// The fused inference kernels of lib/nn/fused.ts on the addon: layer norm, GELU/QuickGELU, eval BatchNorm + ReLU, and the
// multi-head attention core (two strided-batched GEMMs around a masked softmax, no head split or merge copies).
import * as tf from '@tensorflow/tfjs';
import { UnaryOp } from './addon.js';
import type { CudaBackend } from './backend.js';
import { unary } from './ops.js';
import { sizeOf } from './strides.js';
import { FUSED_KERNELS } from '../../nn/fused.js';

type Config = tf.KernelConfig;

/** Throws, naming the kernel and input, unless every given input is float32. */
export function requireFloat(name: string, inputs: Record<string, tf.TensorInfo | undefined>): void {
  for (const [key, t] of Object.entries(inputs)) {
    if (t && t.dtype !== 'float32') throw new Error(`backend 'cuda': ${name} needs float32 ${key}, got ${t.dtype}`);
  }
}

/**
 * The common prologue of a kernel over x and per-feature vectors (LayerNorm's gamma/beta, BatchNorm's scale/shift): all
 * float32, each vector as long as x's last axis; returns that length and a float32 output shaped like x.
 */
function featureWise(name: string, backend: unknown, x: tf.TensorInfo, vectors: Record<string, tf.TensorInfo>): { cuda: CudaBackend; features: number; out: tf.TensorInfo } {
  requireFloat(name, { x, ...vectors });
  const features = x.shape[x.shape.length - 1] ?? 1;
  const wrong = Object.entries(vectors).filter(([, t]) => sizeOf(t.shape) !== features);
  if (wrong.length > 0) throw new Error(`backend 'cuda': ${name} over ${features} features with ${wrong.map(([key, t]) => `${key} [${t.shape.join(', ')}]`).join(' and ')}`);
  const cuda = backend as CudaBackend;
  return { cuda, features, out: cuda.makeOutput([...x.shape], 'float32') };
}

const layerNormKernel: Config = {
  kernelName: FUSED_KERNELS.layerNorm,
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    const { eps } = attrs as unknown as { eps: number };
    const { cuda, features: cols, out } = featureWise(FUSED_KERNELS.layerNorm, backend, x, { gamma, beta });
    const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
    cuda.addon.layerNorm(cuda.handle(x.dataId), cuda.handle(gamma.dataId), cuda.handle(beta.dataId), cuda.handle(out.dataId), rows, cols, eps);
    return out;
  },
};

const ACTIVATIONS: Record<string, number> = { gelu: UnaryOp.GELU, quick_gelu: UnaryOp.QUICK_GELU };

const activationKernel: Config = {
  kernelName: FUSED_KERNELS.activation,
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { activation } = attrs as unknown as { activation: string };
    const op = ACTIVATIONS[activation];
    if (op === undefined) throw new Error(`backend 'cuda': ${FUSED_KERNELS.activation} '${activation}' (expected ${Object.keys(ACTIVATIONS).join(' or ')})`);
    requireFloat(FUSED_KERNELS.activation, { x });
    return unary(backend as CudaBackend, op, x);
  },
};

const scaleShiftKernel: Config = {
  kernelName: FUSED_KERNELS.scaleShift,
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, scale, shift } = inputs as { x: tf.TensorInfo; scale: tf.TensorInfo; shift: tf.TensorInfo };
    const { relu } = attrs as unknown as { relu: boolean };
    const { cuda, features: channels, out } = featureWise(FUSED_KERNELS.scaleShift, backend, x, { scale, shift });
    cuda.addon.scaleShift(cuda.handle(x.dataId), cuda.handle(scale.dataId), cuda.handle(shift.dataId), cuda.handle(out.dataId), sizeOf(x.shape), channels, relu);
    return out;
  },
};

/** Strides of a mask broadcast to [B, H, Lq, Lk] (0 along its size-1 axes). */
function maskStrides(mask: tf.TensorInfo, dims: number[]): number[] {
  if (mask.shape.length !== 4) throw new Error(`backend 'cuda': ${FUSED_KERNELS.attention} mask must be rank 4, got [${mask.shape.join(', ')}]`);
  const strides: number[] = [];
  let stride = 1;
  for (let d = 3; d >= 0; d--) {
    const size = mask.shape[d]!;
    if (size !== 1 && size !== dims[d]) throw new Error(`backend 'cuda': ${FUSED_KERNELS.attention} mask [${mask.shape.join(', ')}] does not broadcast to [${dims.join(', ')}]`);
    strides[d] = size === 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

const attentionKernel: Config = {
  kernelName: FUSED_KERNELS.attention,
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { q, k, v, mask } = inputs as { q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; mask?: tf.TensorInfo };
    const { dims, views, scale, layout, withProbs = true } = attrs as unknown as { dims: number[]; views: number[]; scale: number; layout: 'sequence-first' | 'batch-first'; withProbs?: boolean };
    requireFloat(FUSED_KERNELS.attention, { q, k, v, mask });
    const [B, H, Lq, Lk, d] = dims as [number, number, number, number, number];
    const E = H * d;
    const context = cuda.makeOutput(layout === 'sequence-first' ? [Lq, B, E] : [B, Lq, E], 'float32');
    const out = layout === 'sequence-first' ? [0, E, d, B * E] : [0, Lq * E, d, E];
    // Without the probabilities the addon takes scratch for them, or never materialises them (its fused path).
    const probs = withProbs ? cuda.makeOutput([B, H, Lq, Lk], 'float32') : undefined;
    const m = mask ? maskStrides(mask, [B, H, Lq, Lk]) : [0, 0, 0, 0];
    cuda.addon.attention(cuda.handle(q.dataId), cuda.handle(k.dataId), cuda.handle(v.dataId), mask ? cuda.handle(mask.dataId) : 0,
      cuda.handle(context.dataId), probs ? cuda.handle(probs.dataId) : 0, [...dims, ...views, ...out, ...m], scale);
    return probs ? [context, probs] : [context];
  },
};

export const fusedKernels: Config[] = [layerNormKernel, activationKernel, scaleShiftKernel, attentionKernel];
