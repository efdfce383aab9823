import * as tf from '@tensorflow/tfjs';

// Fused kernels for inference on backends that register them (the cuda backend does, lib/backend/cuda/
// kernels-fused.ts). Each replaces a chain of tfjs ops by one kernel; the callers keep the composite ops for
// every other backend and whenever a gradient tape is recording, so training differentiates the exact ops it
// always did and no gradient has to be written for the fused kernels.

/** Kernel names, shared with the backends that implement them. */
export const FUSED_KERNELS = {
  /** inputs {x, gamma, beta}, attrs {eps}: nn.LayerNorm over the last axis. */
  layerNorm: 'PrismerLayerNorm',
  /** inputs {x}, attrs {activation: 'gelu' | 'quick_gelu'}. */
  activation: 'PrismerActivation',
  /** inputs {x, scale, shift}, attrs {relu}: x·scale + shift per channel (last axis), optionally ReLU'd. */
  scaleShift: 'PrismerScaleShift',
  /** inputs {q, k, v, mask?}, attrs: see `fusedAttention`. Outputs [context, probs]. */
  attention: 'PrismerAttention',
  /** inputs {x, weight, bias, residual}: x·weightᵀ + bias + residual (nn.Linear, weight [out, in], and a residual add). */
  linearAdd: 'PrismerLinearAdd',
} as const;

/** Whether `kernel` may replace its composite ops here: the active backend has it and no tape is recording. */
export function fusedAvailable(kernel: string): boolean {
  return !tf.engine().isTapeOn() && tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/**
 * Inference on the GPU backend (cuda, no tape recording): where ops with a different but equivalent formulation pay
 * there — the native align-corners resize instead of interpolation-matrix GEMMs (kept for wasm's XNNPACK and for the
 * backward pass), and linear layers as one GEMM with the bias in its epilogue (`_FusedMatMul`).
 */
export function gpuInference(): boolean {
  return !tf.engine().isTapeOn() && tf.getBackend() === 'cuda';
}

export function fusedLayerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  return tf.engine().runKernel(FUSED_KERNELS.layerNorm, { x, gamma, beta }, { eps }) as T;
}

export function fusedScaleShift<T extends tf.Tensor>(x: T, scale: tf.Tensor, shift: tf.Tensor, relu: boolean): T {
  return tf.engine().runKernel(FUSED_KERNELS.scaleShift, { x, scale, shift }, { relu }) as T;
}

export function fusedActivation<T extends tf.Tensor>(x: T, activation: 'gelu' | 'quick_gelu'): T {
  return tf.engine().runKernel(FUSED_KERNELS.activation, { x }, { activation }) as T;
}

export function fusedLinearAdd<T extends tf.Tensor>(x: T, weight: tf.Tensor, bias: tf.Tensor, residual: T): T {
  return tf.engine().runKernel(FUSED_KERNELS.linearAdd, { x, weight, bias, residual }) as T;
}

/** Where head h of batch item b sits in a tensor: element (b, h, l, j) at offset + b·batch + h·head + l·row + j. */
export interface HeadView {
  tensor: tf.Tensor;
  offset: number;
  batchStride: number;
  headStride: number;
  rowStride: number;
}

export interface FusedAttentionArgs {
  q: HeadView;
  k: HeadView;
  v: HeadView;
  batch: number;
  heads: number;
  queryLength: number;
  keyLength: number;
  headDim: number;
  /** Multiplies q·kᵀ before the mask and softmax. */
  scale: number;
  /** Additive mask broadcastable to [B, H, Lq, Lk]; with a mask the scores are clamped at −FLT_MAX as transformers does. */
  mask?: tf.Tensor4D | null;
  /** The context layout: [Lq, B, H·d] (nn.MultiheadAttention) or [B, Lq, H·d] (BERT-style). */
  layout: 'sequence-first' | 'batch-first';
  /** Whether the probabilities are returned (default true); without them a backend may never materialise them. */
  withProbs?: boolean;
}

/** softmax(scale·q·kᵀ + mask)·v for every head, with heads merged back into `layout`; also the probabilities [B, H, Lq, Lk] unless `withProbs` is false. */
export function fusedAttention(args: FusedAttentionArgs & { withProbs?: true }): { context: tf.Tensor3D; probs: tf.Tensor4D };
export function fusedAttention(args: FusedAttentionArgs): { context: tf.Tensor3D; probs?: tf.Tensor4D };
export function fusedAttention(args: FusedAttentionArgs): { context: tf.Tensor3D; probs?: tf.Tensor4D } {
  const { q, k, v, mask } = args;
  const view = (h: HeadView) => [h.offset, h.batchStride, h.headStride, h.rowStride];
  const attrs = {
    dims: [args.batch, args.heads, args.queryLength, args.keyLength, args.headDim],
    views: [...view(q), ...view(k), ...view(v)],
    scale: args.scale,
    layout: args.layout,
    withProbs: args.withProbs ?? true,
  };
  const inputs: tf.NamedTensorMap = mask ? { q: q.tensor, k: k.tensor, v: v.tensor, mask } : { q: q.tensor, k: k.tensor, v: v.tensor };
  const [context, probs] = tf.engine().runKernel(FUSED_KERNELS.attention, inputs, attrs) as [tf.Tensor3D, tf.Tensor4D | undefined];
  return probs ? { context, probs } : { context };
}
