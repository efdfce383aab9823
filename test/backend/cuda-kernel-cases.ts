// One or more small cases per cuda kernel, each a tfjs computation on seeded inputs, run on the cuda backend
// and on the cpu backend and compared. Shared by test/backend/cuda.test.ts (over the host reference addon)
// and bench/gpu.ts part 1 (over the real addon on the GPU host).
import * as tf from '@tensorflow/tfjs';
import { gelu, quickGelu } from '../../lib/nn/activations.js';
import { BatchNorm2d } from '../../lib/nn/batch-norm.js';
import { Conv2d } from '../../lib/nn/conv2d.js';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { Linear } from '../../lib/nn/linear.js';
import { MultiheadAttention } from '../../lib/nn/multihead-attention.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { DecoderAttention } from '../../lib/model/decoder/attention.js';
import { ExpertStem } from '../../lib/model/encoder/expert-stem.js';
import type { TextDecoderConfig } from '../../lib/model/decoder/config.js';
import { FLOAT32_MIN } from '../../lib/model/decoder/masks.js';

export interface KernelCase {
  /** Unique label, e.g. "Add broadcast [2,3,4]+[4]". */
  name: string;
  /** Largest allowed |cuda − cpu| / max(1, |cpu|) (0: exact, for integer and bool results). */
  tolerance: number;
  run: () => tf.Tensor | tf.Tensor[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seedCounter = 1;
/** Seeded uniform floats in [lo, hi). */
export function rand(shape: number[], lo = -2, hi = 2, seed = seedCounter++): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * r()), shape, 'float32');
}

/** Seeded integers in [lo, hi). */
export function randInt(shape: number[], lo: number, hi: number, seed = seedCounter++): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Int32Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r())), shape, 'int32');
}

const F = 1e-4;

function unaryCases(): KernelCase[] {
  const ops: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
    ['Neg', tf.neg, -3, 3], ['Abs', tf.abs, -3, 3], ['Exp', tf.exp, -5, 5], ['Log', tf.log, 0.01, 10], ['Sqrt', tf.sqrt, 0, 10],
    ['Rsqrt', tf.rsqrt, 0.05, 10], ['Square', tf.square, -3, 3], ['Tanh', tf.tanh, -4, 4], ['Sigmoid', tf.sigmoid, -8, 8],
    ['Relu', tf.relu, -3, 3], ['Relu6', tf.relu6, -3, 9], ['Erf', tf.erf, -3, 3], ['Sin', tf.sin, -3, 3], ['Cos', tf.cos, -3, 3],
    ['Tan', tf.tan, -1.2, 1.2], ['Asin', tf.asin, -0.99, 0.99], ['Acos', tf.acos, -0.99, 0.99], ['Atan', tf.atan, -5, 5],
    ['Sinh', tf.sinh, -3, 3], ['Cosh', tf.cosh, -3, 3], ['Asinh', tf.asinh, -5, 5], ['Acosh', tf.acosh, 1.01, 5],
    ['Atanh', tf.atanh, -0.95, 0.95], ['Floor', tf.floor, -5, 5], ['Ceil', tf.ceil, -5, 5], ['Round', tf.round, -5, 5],
    ['Sign', tf.sign, -2, 2], ['Reciprocal', tf.reciprocal, 0.1, 5], ['Expm1', tf.expm1, -3, 3], ['Log1p', tf.log1p, -0.9, 5],
    ['Softplus', tf.softplus, -20, 20], ['Elu', tf.elu, -3, 3], ['Selu', tf.selu, -3, 3],
    ['LeakyRelu', (x) => tf.leakyRelu(x, 0.1), -3, 3], ['Step', (x) => tf.step(x, 0.3), -3, 3],
    ['ClipByValue', (x) => tf.clipByValue(x, -0.5, 0.7), -2, 2],
  ];
  const cases: KernelCase[] = ops.map(([name, f, lo, hi]) => ({ name: `${name} [3,17]`, tolerance: F, run: () => f(rand([3, 17], lo, hi)) }));
  cases.push(
    { name: 'IsNan/IsInf/IsFinite', tolerance: 0, run: () => { const x = tf.tensor([1, NaN, Infinity, -Infinity, 0]); return [tf.isNaN(x), tf.isInf(x), tf.isFinite(x)]; } },
    { name: 'LogicalNot', tolerance: 0, run: () => tf.logicalNot(tf.tensor([true, false, true], [3], 'bool')) },
    { name: 'Neg/Abs/Square int32', tolerance: 0, run: () => { const x = randInt([7], -50, 50); return [tf.neg(x), tf.abs(x), tf.square(x)]; } },
    { name: 'Round half to even', tolerance: 0, run: () => tf.round(tf.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])) },
  );
  return cases;
}

function binaryCases(): KernelCase[] {
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, number, number, number?][] = [
    ['Add', tf.add, -3, 3], ['Sub', tf.sub, -3, 3], ['Multiply', tf.mul, -3, 3], ['RealDiv', tf.div, 0.5, 3],
    ['FloorDiv', tf.floorDiv, 0.5, 7], ['Mod', tf.mod, -7, 7], ['Maximum', tf.maximum, -3, 3], ['Minimum', tf.minimum, -3, 3],
    ['Pow', tf.pow, 0.1, 3, 1e-3], ['SquaredDifference', tf.squaredDifference, -3, 3], ['Atan2', tf.atan2, -3, 3],
    ['Prelu', tf.prelu, -3, 3],
  ];
  const cases: KernelCase[] = [];
  for (const [name, f, lo, hi, tol] of ops) {
    cases.push({ name: `${name} same shape [4,5]`, tolerance: tol ?? F, run: () => f(rand([4, 5], lo, hi), rand([4, 5], lo, hi)) });
    cases.push({ name: `${name} broadcast [2,3,5]·[5]`, tolerance: tol ?? F, run: () => f(rand([2, 3, 5], lo, hi), rand([5], lo, hi)) });
  }
  const cmp: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['Equal', tf.equal], ['NotEqual', tf.notEqual], ['Less', tf.less], ['LessEqual', tf.lessEqual], ['Greater', tf.greater], ['GreaterEqual', tf.greaterEqual],
  ];
  for (const [name, f] of cmp) {
    cases.push({ name: `${name} int32 broadcast [3,1]·[1,4]`, tolerance: 0, run: () => f(randInt([3, 1], 0, 4), randInt([1, 4], 0, 4)) });
    cases.push({ name: `${name} float32 [6]`, tolerance: 0, run: () => f(tf.tensor([1, 2, 3, 4, 5, 6]), tf.tensor([3, 2, 1, 4, 6, 5])) });
  }
  cases.push(
    { name: 'LogicalAnd/LogicalOr', tolerance: 0, run: () => { const a = tf.tensor([true, true, false, false], [4], 'bool'), b = tf.tensor([true, false, true, false], [4], 'bool'); return [tf.logicalAnd(a, b), tf.logicalOr(a, b)]; } },
    { name: 'Add scalar (host value) + column broadcast', tolerance: F, run: () => [tf.add(rand([3, 4]), 0.5), tf.mul(2, rand([3, 4])), tf.sub(rand([3, 4]), rand([3, 1]))] },
    { name: 'Add general broadcast [2,1,3]+[1,4,1]', tolerance: F, run: () => tf.add(rand([2, 1, 3]), rand([1, 4, 1])) },
    { name: 'Add/Sub/Mul/FloorDiv/Mod int32', tolerance: 0, run: () => { const a = randInt([9], -20, 20), b = randInt([9], 1, 6); return [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.floorDiv(a, b), tf.mod(a, b), tf.floorDiv(tf.neg(a), b)]; } },
    { name: 'AddN of 3', tolerance: F, run: () => tf.addN([rand([2, 3]), rand([2, 3]), rand([2, 3])]) },
    { name: 'Cast float→int32→float, →bool', tolerance: 0, run: () => { const x = tf.tensor([-2.7, -0.5, 0, 0.4, 3.9]); return [tf.cast(x, 'int32'), tf.cast(tf.cast(x, 'int32'), 'float32'), tf.cast(x, 'bool'), tf.cast(tf.tensor([true, false], [2], 'bool'), 'float32')]; } },
    { name: 'Select (where) same shape and broadcast condition', tolerance: 0, run: () => [tf.where(tf.greater(rand([3, 4]), 0), rand([3, 4]), rand([3, 4])), tf.where(tf.tensor([[true], [false], [true]], [3, 1], 'bool'), rand([3, 2]), rand([3, 2]))] },
  );
  return cases;
}

function reduceCases(): KernelCase[] {
  const x = () => rand([3, 4, 50]);
  const long = () => rand([2, 700]);
  return [
    { name: 'Sum last axis, all axes, middle axis keepDims', tolerance: F, run: () => { const t = x(); return [tf.sum(t, -1), tf.sum(t), tf.sum(t, 1, true)]; } },
    { name: 'Sum of long rows (block reduction)', tolerance: F, run: () => tf.sum(long(), 1) },
    { name: 'Sum int32 and bool', tolerance: 0, run: () => [tf.sum(randInt([4, 6], -5, 5), 1), tf.sum(tf.tensor([true, true, false], [3], 'bool'))] },
    { name: 'Mean', tolerance: F, run: () => [tf.mean(x(), -1), tf.mean(long(), 1), tf.mean(x(), [0, 2])] },
    { name: 'Max/Min', tolerance: 0, run: () => { const t = x(); return [tf.max(t, -1), tf.min(t, 0), tf.max(long(), 1)]; } },
    { name: 'Prod', tolerance: F, run: () => tf.prod(rand([3, 6], 0.5, 1.5), 1) },
    { name: 'Any/All', tolerance: 0, run: () => { const b = tf.greater(rand([4, 5]), 0.5); return [tf.any(b, 1), tf.all(b, 0)]; } },
    { name: 'ArgMax/ArgMin with ties', tolerance: 0, run: () => { const t = tf.tensor([[1, 3, 3, 0], [2, 2, 1, 1]]); return [tf.argMax(t, 1), tf.argMin(t, 1), tf.argMax(x(), 2), tf.argMax(long(), 1), tf.argMin(x(), 0)]; } },
    { name: 'Softmax short and long rows', tolerance: F, run: () => [tf.softmax(rand([5, 7], -5, 5)), tf.softmax(rand([3, 901], -8, 8)), tf.softmax(rand([2, 3, 20], -5, 5))] },
    { name: 'logSoftmax (Max, Sub, Exp, Sum, Log)', tolerance: F, run: () => tf.logSoftmax(rand([4, 33], -5, 5)) },
    { name: 'TopK with ties', tolerance: 0, run: () => { const r = tf.topk(tf.tensor([[1, 5, 5, 2, 9, 9, 0], [3, 3, 3, 1, 2, 2, 7]]), 4); return [r.values, r.indices]; } },
    { name: 'TopK random rows', tolerance: 0, run: () => { const r = tf.topk(rand([3, 1000]), 6); return [r.values, r.indices]; } },
    { name: 'Cumsum last axis, exclusive/reverse, int32, axis 0', tolerance: F, run: () => { const t = rand([3, 8]); return [tf.cumsum(t, 1), tf.cumsum(t, 1, true, true), tf.cumsum(randInt([2, 5], 0, 3), 1), tf.cumsum(t, 0)]; } },
  ];
}

function layoutCases(): KernelCase[] {
  return [
    { name: 'Reshape/ExpandDims/Squeeze (shared data)', tolerance: 0, run: () => { const t = rand([2, 3, 4]); return [tf.reshape(t, [6, 4]), tf.expandDims(t, 1), tf.squeeze(tf.reshape(t, [1, 2, 1, 12])), tf.clone(t)]; } },
    { name: 'Transpose 2-D, 4-D head split', tolerance: 0, run: () => [tf.transpose(rand([5, 7])), tf.transpose(rand([2, 6, 3, 4]), [0, 2, 1, 3])] },
    { name: 'Transpose tiled (NCHW → NHWC, 2-D over partial 32×32 tiles, int32)', tolerance: 0, run: () => [tf.transpose(rand([2, 5, 33, 35]), [0, 2, 3, 1]), tf.transpose(rand([70, 45])), tf.transpose(randInt([3, 40, 9], 0, 99), [0, 2, 1])] },
    { name: 'Slice', tolerance: 0, run: () => [tf.slice(rand([4, 6, 5]), [1, 2, 0], [2, 3, 5]), tf.slice(rand([10]), [3], [4])] },
    // Inner axes contiguous on both sides: float4 units when lengths, strides and offsets are multiples of four, else single floats.
    { name: 'Copy in 4-float units (head split of a packed projection, aligned and unaligned slices)', tolerance: 0, run: () => [tf.transpose(rand([3, 7, 12, 8]), [0, 2, 1, 3]), tf.slice(rand([5, 16]), [1, 4], [3, 8]), tf.slice(rand([5, 16]), [1, 2], [3, 8]), tf.transpose(rand([2, 5, 3, 6]), [0, 2, 1, 3])] },
    { name: 'Concat axis 0, 1, last, int32', tolerance: 0, run: () => [tf.concat([rand([2, 3]), rand([1, 3])], 0), tf.concat([rand([2, 3, 2]), rand([2, 1, 2]), rand([2, 4, 2])], 1), tf.concat([randInt([2, 2], 0, 9), randInt([2, 3], 0, 9)], 1)] },
    { name: 'Pad', tolerance: 0, run: () => [tf.pad(rand([2, 3]), [[1, 0], [2, 3]], 0.5), tf.pad(randInt([3], 0, 9), [[2, 1]])] },
    { name: 'Tile', tolerance: 0, run: () => [tf.tile(rand([2, 3]), [3, 2]), tf.tile(randInt([2, 1, 2], 0, 9), [1, 4, 1])] },
    { name: 'GatherV2 axis 0 (embedding), axis 1, int32', tolerance: 0, run: () => [tf.gather(rand([10, 6]), tf.tensor([3, 0, 9, 3], [4], 'int32')), tf.gather(rand([2, 5, 3]), tf.tensor([[4, 1], [0, 0]], [2, 2], 'int32'), 1), tf.gather(randInt([6], 0, 100), tf.tensor([5, 1], [2], 'int32'))] },
    { name: 'SplitV and Unpack and Pack', tolerance: 0, run: () => { const t = rand([4, 6]); return [...tf.split(t, [2, 4], 1), ...tf.unstack(t, 0), tf.stack([rand([2, 3]), rand([2, 3])], 1)]; } },
    { name: 'Fill/ZerosLike/OnesLike/Range', tolerance: 0, run: () => [tf.fill([2, 3], 1.5), tf.zerosLike(rand([3])), tf.onesLike(randInt([2, 2], 0, 5)), tf.range(0, 10, 3), tf.range(2, 7, 1, 'int32')] },
    { name: 'OneHot', tolerance: 0, run: () => tf.oneHot(tf.tensor([0, 3, 1, 5], [4], 'int32'), 4, 2, -1) },
  ];
}

function linalgCases(): KernelCase[] {
  return [
    { name: 'MatMul 2-D and transposes', tolerance: F, run: () => [tf.matMul(rand([7, 9]), rand([9, 5])), tf.matMul(rand([9, 7]), rand([9, 5]), true, false), tf.matMul(rand([7, 9]), rand([5, 9]), false, true), tf.matMul(rand([9, 7]), rand([5, 9]), true, true)] },
    { name: 'BatchMatMul batched, broadcast batch, 4-D', tolerance: F, run: () => [tf.matMul(rand([3, 4, 8]), rand([3, 8, 6])), tf.matMul(rand([3, 4, 8]), rand([8, 6])), tf.matMul(rand([2, 3, 5, 4]), rand([2, 3, 6, 4]), false, true)] },
    { name: '_FusedMatMul bias in the GEMM epilogue (plain and transposed B)', tolerance: F, run: () => [tf.fused.matMul({ a: rand([6, 8]), b: rand([8, 5]), bias: rand([5]) }), tf.fused.matMul({ a: rand([7, 8]), b: rand([5, 8]), transposeB: true, bias: rand([5]) })] },
    { name: '_FusedMatMul bias + relu', tolerance: F, run: () => tf.fused.matMul({ a: rand([6, 8]), b: rand([8, 5]), bias: rand([5]), activation: 'relu' }) },
    { name: 'Conv2D patch embedding (stride = kernel)', tolerance: F, run: () => tf.conv2d(rand([2, 16, 16, 3]) as tf.Tensor4D, rand([4, 4, 3, 8], -0.5, 0.5) as tf.Tensor4D, 4, 'valid') },
    { name: 'Conv2D 3×3 same, stride 2, explicit pad, dilation, 1×1', tolerance: F, run: () => {
      const x = rand([2, 9, 11, 4]) as tf.Tensor4D;
      return [
        tf.conv2d(x, rand([3, 3, 4, 5], -0.5, 0.5) as tf.Tensor4D, 1, 'same'),
        tf.conv2d(x, rand([3, 3, 4, 5], -0.5, 0.5) as tf.Tensor4D, 2, 'valid'),
        tf.conv2d(x, rand([3, 3, 4, 2], -0.5, 0.5) as tf.Tensor4D, 1, [[0, 0], [1, 1], [2, 2], [0, 0]]),
        tf.conv2d(x, rand([3, 3, 4, 2], -0.5, 0.5) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
        tf.conv2d(x, rand([1, 1, 4, 6], -0.5, 0.5) as tf.Tensor4D, 1, 'valid'),
        // The expert stems' shape: 3×3, stride 2, pad 1, channels in 4-float units (row kernel) and not (5 channels).
        tf.conv2d(rand([2, 9, 11, 8]) as tf.Tensor4D, rand([3, 3, 8, 6], -0.5, 0.5) as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]),
        tf.conv2d(rand([2, 9, 11, 5]) as tf.Tensor4D, rand([3, 3, 5, 3], -0.5, 0.5) as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]),
      ];
    } },
    { name: 'FusedConv2D bias + relu', tolerance: F, run: () => tf.fused.conv2d({ x: rand([1, 6, 6, 3]) as tf.Tensor4D, filter: rand([3, 3, 3, 4], -0.5, 0.5) as tf.Tensor4D, strides: 1, pad: 'same', bias: rand([4]), activation: 'relu' }) },
    { name: 'FusedBatchNorm', tolerance: F, run: () => tf.batchNorm(rand([2, 3, 3, 4]), rand([4]), rand([4], 0.5, 2), rand([4]), rand([4]), 1e-3) },
    { name: 'ResizeBilinear (plain, alignCorners, halfPixelCenters)', tolerance: F, run: () => { const x = rand([2, 5, 7, 3]) as tf.Tensor4D; return [tf.image.resizeBilinear(x, [9, 4]), tf.image.resizeBilinear(x, [9, 4], true), tf.image.resizeBilinear(x, [10, 13], false, true)]; } },
    { name: 'ResizeNearestNeighbor (plain, alignCorners, halfPixelCenters)', tolerance: 0, run: () => { const x = rand([1, 5, 7, 2]) as tf.Tensor4D; return [tf.image.resizeNearestNeighbor(x, [9, 4]), tf.image.resizeNearestNeighbor(x, [9, 4], true), tf.image.resizeNearestNeighbor(x, [10, 13], false, true)]; } },
  ];
}

/** A store whose every parameter is re-drawn from the seeded stream (so biases and LN affines are not trivial). */
function randomised(store: ParameterStore): ParameterStore {
  for (const [, variable] of store.entries()) if (variable.dtype === 'float32') variable.assign(rand(variable.shape, 0.1, 0.9));
  return store;
}

/**
 * The fused inference kernels (lib/nn/fused.ts) through the modules that use them: on a backend that has them
 * the modules take the fused path, on the cpu the composite ops, so each case compares the two.
 */
function fusedCases(): KernelCase[] {
  const decoderConfig = { hiddenSize: 32, visionHiddenSize: 24, numAttentionHeads: 4, layerNormEps: 1e-12, initializerRange: 0.02 } as TextDecoderConfig;
  const withStore = <T>(build: (store: ParameterStore) => T, use: (module: T) => tf.Tensor[]): tf.Tensor[] => {
    const store = new ParameterStore(3);
    const module = build(store);
    randomised(store);
    try {
      return use(module);
    } finally {
      store.dispose();
    }
  };
  return [
    { name: 'PrismerLayerNorm (LayerNorm: warp rows, block rows)', tolerance: F, run: () => withStore(
      (store) => [new LayerNorm(store, 'a', 48), new LayerNorm(store, 'b', 1100, 1e-12)] as const,
      ([a, b]) => [a.apply(rand([5, 7, 48], -3, 5)), b.apply(rand([3, 1100]))]) },
    { name: 'PrismerScaleShift (eval BatchNorm2d with and without ReLU)', tolerance: F, run: () => withStore(
      (store) => new BatchNorm2d(store, 'bn', 6),
      (bn) => { const x = rand([2, 3, 4, 6]) as tf.Tensor4D; return [bn.apply(x), bn.apply(x, { relu: true })]; }) },
    { name: 'Linear with bias on 3-D and 2-D inputs (one epilogue GEMM over every row, at GPU inference)', tolerance: F, run: () => withStore(
      (store) => new Linear(store, 'fc', 8, 5),
      (fc) => [fc.apply(rand([2, 3, 8])), fc.apply(rand([4, 8]))]) },
    { name: 'PrismerActivation (gelu, quick_gelu)', tolerance: F, run: () => { const x = rand([4, 33], -6, 6); return [gelu(x), quickGelu(x)]; } },
    { name: 'PrismerAttention (MultiheadAttention: packed q|k|v, packed k|v, separate; weights)', tolerance: F, run: () => withStore(
      (store) => new MultiheadAttention(store, 'mha', 32, 4),
      (mha) => {
        const x = rand([6, 2, 32]) as tf.Tensor3D, kv = rand([9, 2, 32]) as tf.Tensor3D, v = rand([9, 2, 32]) as tf.Tensor3D;
        const self = mha.apply(x, x, x, { returnWeights: true });
        return [self.output, self.weights!, mha.apply(x, kv, kv).output, mha.apply(x, kv, v).output];
      }) },
    // Head width 64, at least 64 queries, no mask, no probabilities: the addon's fused kernel (unless PRISMER_CUDA_ATTENTION=gemm)
    // (partial query and key tiles, several key tiles, a packed q|k|v and a separate k|v).
    { name: 'PrismerAttention without probabilities (the ViT shape: head width 64, 64+ queries)', tolerance: F, run: () => withStore(
      (store) => new MultiheadAttention(store, 'mha', 128, 2),
      (mha) => {
        const x = rand([70, 3, 128]) as tf.Tensor3D, kv = rand([150, 3, 128]) as tf.Tensor3D;
        return [mha.apply(x).output, mha.apply(x, kv, kv).output, mha.apply(rand([64, 1, 128]) as tf.Tensor3D).output];
      }) },
    { name: 'PrismerAttention (long key rows: warp softmax of 16 and 32 per lane, block softmax)', tolerance: F, run: () => withStore(
      (store) => new MultiheadAttention(store, 'mha', 16, 2),
      (mha) => {
        const x = rand([3, 1, 16]) as tf.Tensor3D;
        return [300, 700, 1100].map((keys) => { const kv = rand([keys, 1, 16]) as tf.Tensor3D; return mha.apply(x, kv, kv).output; });
      }) },
    { name: 'PrismerAttention (decoder: causal mask with a fully masked row, cross-attention, weights)', tolerance: F, run: () => withStore(
      (store) => [new DecoderAttention(store, 'self', decoderConfig, false), new DecoderAttention(store, 'cross', decoderConfig, true)] as const,
      ([selfAttention, cross]) => {
        const hidden = rand([2, 5, 32]) as tf.Tensor3D, source = rand([2, 7, 24]) as tf.Tensor3D;
        const mask = tf.tensor4d(Array.from({ length: 2 * 5 * 5 }, (_, i) => {
          const [b, q, k] = [Math.floor(i / 25), Math.floor(i / 5) % 5, i % 5];
          return k > q || (b === 1 && q === 2) ? FLOAT32_MIN : 0;
        }), [2, 1, 5, 5]);
        const weights: tf.Tensor4D[] = [];
        const out = selfAttention.apply(hidden, mask, hidden, undefined, (w) => weights.push(tf.keep(w)));
        return [out, ...weights, cross.apply(hidden, null, source), cross.attend(hidden, cross.projectKeyValues(source), null)];
      }) },
    { name: 'PrismerLinearAdd (a linear layer plus its residual: ViT MLP, adaptor, attention output projection)', tolerance: F, run: () => withStore(
      (store) => [new Linear(store, 'fc', 8, 5), new MultiheadAttention(store, 'mha', 16, 4)] as const,
      ([fc, mha]) => {
        const x = rand([6, 2, 16]) as tf.Tensor3D;
        return [fc.applyAdd(rand([2, 3, 8]), rand([2, 3, 5])), fc.applyAdd(rand([4, 8]), rand([4, 5])), mha.apply(x, x, x, { residual: x }).output];
      }) },
    { name: 'FusedConv2D bias + ReLU in the GEMM epilogue (a conv with its eval BatchNorm folded in, as the expert stems at GPU inference)', tolerance: F, run: () => withStore(
      (store) => [new Conv2d(store, 'conv', 8, 6, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(store, 'bn', 6), new Conv2d(store, 'proj', 6, 4, 1)] as const,
      ([conv, bn, proj]) => {
        const x = rand([2, 9, 11, 8]) as tf.Tensor4D;
        const { scale, shift } = bn.evalScaleShift();
        const folded = conv.applyFolded(x, scale, shift, true);
        return [folded, conv.applyFolded(x, scale, shift, false), proj.applyFolded(folded, rand([4]) as tf.Tensor1D, rand([4]) as tf.Tensor1D, true)];
      }) },
    // At GPU inference the stems keep their folded filters and the decoder its stacked q|k|v and k|v weights in the
    // store; a parameter assigned between calls (checkpoint load, optimiser step) must be seen by the next call.
    { name: 'Weights kept between GPU inference calls (folded expert stem, stacked decoder projections) follow parameter updates', tolerance: F, run: () => withStore(
      (store) => [store, new ExpertStem(store, 'stem', 'categorical', 3, 16, 16), new DecoderAttention(store, 'self', decoderConfig, false), new DecoderAttention(store, 'cross', decoderConfig, true)] as const,
      ([store, stem, selfAttention, cross]) => {
        const image = rand([2, 3, 12, 12]) as tf.Tensor4D, hidden = rand([2, 5, 32]) as tf.Tensor3D, source = rand([2, 7, 24]) as tf.Tensor3D;
        const run = () => [stem.apply(image), selfAttention.apply(hidden, null), cross.apply(hidden, null, source)];
        const before = [...run(), ...run()];
        for (const name of ['stem.1.weight', 'stem.5.running_var', 'stem.13.weight', 'self.self.key.bias', 'self.self.value.weight', 'cross.self.key.weight', 'cross.self.value.bias']) {
          const variable = store.get(name);
          variable.assign(rand(variable.shape, 0.1, 0.9));
        }
        return [...before, ...run()];
      }) },
  ];
}

/** Every case, in a fixed order (inputs are seeded per case position, so both backends see the same values). */
export function kernelCases(): KernelCase[] {
  seedCounter = 1;
  return [...unaryCases(), ...binaryCases(), ...reduceCases(), ...layoutCases(), ...linalgCases(), ...fusedCases()];
}

export interface CaseResult {
  name: string;
  ok: boolean;
  maxAbs: number;
  maxRel: number;
  kernels: string[];
  error?: string;
}

function values(result: tf.Tensor | tf.Tensor[]): { shape: number[]; dtype: string; data: number[] }[] {
  return (Array.isArray(result) ? result : [result]).map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) }));
}

/**
 * Runs every case on `backend` and on 'cpu' and compares. Inputs are made inside each run (on that
 * backend), so the seeds must replay: the case list is rebuilt per backend.
 */
export async function compareKernelCases(backend: string, onResult?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const count = kernelCases().length;
  for (let i = 0; i < count; i++) {
    let name = `case ${i}`;
    try {
      await tf.setBackend('cpu');
      const cpuCase = kernelCases()[i]!;
      name = cpuCase.name;
      const expected = tf.tidy(() => values(cpuCase.run()));
      await tf.setBackend(backend);
      const cudaCase = kernelCases()[i]!;
      let actual: ReturnType<typeof values> = [];
      const profile = await tf.profile(() => tf.tidy(() => {
        const out = cudaCase.run();
        actual = values(out);
        return out;
      }));
      tf.dispose(profile.result as tf.Tensor | tf.Tensor[]);
      let maxAbs = 0, maxRel = 0;
      let mismatch: string | undefined;
      if (actual.length !== expected.length) mismatch = `${actual.length} outputs, expected ${expected.length}`;
      expected.forEach((e, k) => {
        const a = actual[k];
        if (!a || mismatch) return;
        if (a.shape.join() !== e.shape.join() || a.dtype !== e.dtype) {
          mismatch = `output ${k}: ${a.dtype}[${a.shape.join(', ')}], expected ${e.dtype}[${e.shape.join(', ')}]`;
          return;
        }
        e.data.forEach((ev, j) => {
          const av = a.data[j]!;
          if (Number.isNaN(ev) && Number.isNaN(av)) return;
          const abs = ev === av ? 0 : Math.abs(av - ev);
          maxAbs = Math.max(maxAbs, Number.isNaN(abs) ? Infinity : abs);
          maxRel = Math.max(maxRel, Number.isNaN(abs) ? Infinity : abs / Math.max(1, Math.abs(ev)));
        });
      });
      const ok = !mismatch && maxRel <= cudaCase.tolerance;
      const kernels = [...new Set(profile.kernels.map((k) => k.name))];
      const r: CaseResult = { name, ok, maxAbs, maxRel, kernels, ...(mismatch ? { error: mismatch } : {}) };
      results.push(r);
      onResult?.(r);
    } catch (error) {
      const r: CaseResult = { name, ok: false, maxAbs: NaN, maxRel: NaN, kernels: [], error: (error as Error).message.split('\n')[0] };
      results.push(r);
      onResult?.(r);
    }
  }
  return results;
}
