// Layers with PyTorch semantics and official parameter names, on tfjs.
export { ParameterStore, type ParameterInit } from './parameters.js';
export { Module } from './module.js';
export { Linear } from './linear.js';
export { LayerNorm } from './layer-norm.js';
export { gelu, quickGelu, squaredRelu } from './activations.js';
export { Conv2d, PatchEmbedding, type Conv2dOptions } from './conv2d.js';
export { BatchNorm2d } from './batch-norm.js';
export type { BatchNormApplyOptions } from './batch-norm.js';
export { MultiheadAttention, type AttentionResult } from './multihead-attention.js';
export {
  bicubicGridMatrix, bicubicMatrix, bilinearAlignCornersMatrix, interpolateBicubic, interpolateNearest, interpolatePosEmbed,
  nearestIndices, resizeNCHW, upsampledSize, upsamplingBilinear2d,
} from './interpolate.js';
export { batchedMatMul, splitBatchedMatMul, SPLIT_BATCHED_MATMUL_MIN_WORK, clearTransposedWeightCache, matMulWeightT, transposedWeightCacheSize } from './weight-matmul.js';
