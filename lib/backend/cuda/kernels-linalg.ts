// Matrix kernels on cuBLAS: BatchMatMul, _FusedMatMul and PrismerLinearAdd (strided-batched GEMM, transposes folded
// into the call, bias and residual in the epilogue), Conv2D and FusedConv2D (NHWC im2col + GEMM), FusedBatchNorm (elementwise), and image resizing.
import * as tf from '@tensorflow/tfjs';
import { BinaryOp, ResizeMode, UnaryOp } from './addon.js';
import { deviceDType, type CudaBackend } from './backend.js';
import { runOnCpu } from './fallback.js';
import { requireFloat } from './kernels-fused.js';
import { biasAndActivation, binary, binaryModulo, broadcastTo, cast, gemm, unary } from './ops.js';
import { sizeOf } from './strides.js';
import { FUSED_KERNELS } from '../../nn/fused.js';

type Config = tf.KernelConfig;

/** Upper bound for one im2col buffer; larger convolutions run in batch chunks. */
const IM2COL_MAX_BYTES = 512 * 2 ** 20;

function batchMatMul(cuda: CudaBackend, a: tf.TensorInfo, b: tf.TensorInfo, transA: boolean, transB: boolean): tf.TensorInfo {
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`backend 'cuda': BatchMatMul needs rank ≥ 2, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) throw new Error(`backend 'cuda': BatchMatMul inner dimensions ${k} and ${kb} differ ([${a.shape.join(', ')}]${transA ? 'ᵀ' : ''} · [${b.shape.join(', ')}]${transB ? 'ᵀ' : ''})`);
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const batch = sizeOf(batchShape);
  const out = cuda.makeOutput([...batchShape, m, n], 'float32');
  // A side whose batch is a single matrix is read with batch stride 0; any other mismatch is materialised.
  const side = (t: tf.TensorInfo, own: number[], rows: number, cols: number): { t: tf.TensorInfo; stride: number; temp: boolean } => {
    if (sizeOf(own) === 1) return { t, stride: 0, temp: false };
    if (sizeOf(own) === batch) return { t, stride: rows * cols, temp: false };
    return { t: broadcastTo(cuda, t, [...batchShape, rows, cols]), stride: rows * cols, temp: true };
  };
  const sa = side(a, batchA, a.shape[ra - 2]!, a.shape[ra - 1]!);
  const sb = side(b, batchB, b.shape[rb - 2]!, b.shape[rb - 1]!);
  gemm(cuda, sa.t, sb.t, out, { batch, m, n, k, transA, transB, strideA: sa.stride, strideB: sb.stride, strideC: m * n });
  if (sa.temp) cuda.disposeIntermediateTensorInfo(sa.t);
  if (sb.temp) cuda.disposeIntermediateTensorInfo(sb.t);
  return out;
}

const batchMatMulKernel: Config = {
  kernelName: 'BatchMatMul',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return runOnCpu('BatchMatMul', inputs, cuda, attrs);
    return batchMatMul(cuda, a, b, transposeA, transposeB);
  },
};

/** Activations cuBLASLt's epilogue applies after the bias. */
function epilogueActivation(activation: string | undefined): boolean {
  return activation === undefined || activation === 'linear' || activation === 'relu';
}

/**
 * x·W + bias (+ residual, of the output's shape) with the bias and residual in the GEMM's epilogue, for a single
 * weight matrix W (tf.fused.matMul hands 2-D operands over as [1, k, n]) and an x of any batch shape, whose rows are
 * then one taller GEMM; undefined where that path does not apply.
 */
function epilogueBias(cuda: CudaBackend, a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo | undefined, transA: boolean, transB: boolean, activation: string | undefined,
  residual?: tf.TensorInfo): tf.TensorInfo | undefined {
  if (!bias || transA || !epilogueActivation(activation) || bias.dtype !== 'float32' || bias.shape.length !== 1) return undefined;
  if (a.shape.length < 2 || b.shape.length < 2 || sizeOf(b.shape.slice(0, -2)) !== 1) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const [m, k] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if ((transB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k || bias.shape[0] !== n) return undefined;
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batchShape, m, n];
  if (residual && (residual.dtype !== 'float32' || !tf.util.arraysEqual(residual.shape, outShape))) return undefined;
  const out = cuda.makeOutput(outShape, 'float32');
  const rows = sizeOf(batchShape) * m;
  if (cuda.addon.gemmBias(cuda.handle(a.dataId), cuda.handle(b.dataId), cuda.handle(bias.dataId), cuda.handle(out.dataId), rows, n, k, transB, activation === 'relu',
    residual ? cuda.handle(residual.dataId) : 0)) return out;
  cuda.disposeIntermediateTensorInfo(out);
  return undefined;
}

const fusedMatMulKernel: Config = {
  kernelName: '_FusedMatMul',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { a, b, bias, preluActivationWeights } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return runOnCpu('_FusedMatMul', inputs, cuda, attrs);
    const epilogue = epilogueBias(cuda, a, b, bias, transposeA, transposeB, activation);
    if (epilogue) return epilogue;
    return biasAndActivation(cuda, batchMatMul(cuda, a, b, transposeA, transposeB), bias, activation, preluActivationWeights, leakyreluAlpha);
  },
};

/** x·weightᵀ + bias + residual (lib/nn/fused.ts): one GEMM with bias and residual in its epilogue, else a GEMM and two adds. */
const linearAddKernel: Config = {
  kernelName: FUSED_KERNELS.linearAdd,
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend }) => {
    const cuda = backend as CudaBackend;
    const { x, weight, bias, residual } = inputs as { x: tf.TensorInfo; weight: tf.TensorInfo; bias: tf.TensorInfo; residual: tf.TensorInfo };
    requireFloat(FUSED_KERNELS.linearAdd, { x, weight, bias, residual });
    const epilogue = epilogueBias(cuda, x, weight, bias, false, true, 'linear', residual);
    if (epilogue) return epilogue;
    const product = batchMatMul(cuda, x, weight, false, true);
    const withResidual = binary(cuda, BinaryOp.ADD, product, residual, 'float32');
    cuda.disposeIntermediateTensorInfo(product);
    return biasAndActivation(cuda, withResidual, bias, 'linear', undefined, undefined);
  },
};

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A bias (and ReLU) for conv2d to add: in the GEMM's epilogue where cuBLASLt can, else as a pass over the output. */
interface ConvEpilogue {
  bias: tf.TensorInfo;
  relu: boolean;
}

function conv2d(cuda: CudaBackend, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ConvAttrs, epilogue?: ConvEpilogue): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const K = KH * KW * C;
  // rows·filter into y, the epilogue applied; returns y or, where the epilogue took a second pass, its replacement.
  const product = (rows: tf.TensorInfo, y: tf.TensorInfo, m: number): tf.TensorInfo => {
    if (epilogue && cuda.addon.gemmBias(cuda.handle(rows.dataId), cuda.handle(filter.dataId), cuda.handle(epilogue.bias.dataId), cuda.handle(y.dataId), m, OC, K, false, epilogue.relu, 0)) return y;
    gemm(cuda, rows, filter, y, { batch: 1, m, n: OC, k: K, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0 });
    return epilogue ? biasAndActivation(cuda, y, epilogue.bias, epilogue.relu ? 'relu' : 'linear', undefined, undefined) : y;
  };
  const pointwise = KH === 1 && KW === 1 && SH === 1 && SW === 1 && info.padInfo.top === 0 && info.padInfo.left === 0 && OH === H && OW === W;
  if (pointwise) return product(x, cuda.makeOutput([N, OH, OW, OC], 'float32'), N * H * W);
  const perImage = OH * OW * K * 4;
  const chunk = Math.max(1, Math.min(N, Math.floor(IM2COL_MAX_BYTES / Math.max(1, perImage))));
  const cols = cuda.makeOutput([chunk * OH * OW, K], 'float32');
  const im2col = (xs: tf.TensorInfo, count: number) =>
    cuda.addon.im2col(cuda.handle(xs.dataId), cuda.handle(cols.dataId), [count, H, W, C, KH, KW, SH, SW, info.padInfo.top, info.padInfo.left, DH, DW, OH, OW]);
  if (chunk >= N) {
    im2col(x, N);
    const out = product(cols, cuda.makeOutput([N, OH, OW, OC], 'float32'), N * OH * OW);
    cuda.disposeIntermediateTensorInfo(cols);
    return out;
  }
  const out = cuda.makeOutput([N, OH, OW, OC], 'float32');
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const count = Math.min(chunk, N - n0);
    // The chunk's images start n0·H·W·C elements in; im2col/gemm take whole buffers, so a chunked input is sliced first.
    const xs = sliceBatch(cuda, x, n0, count);
    im2col(xs, count);
    const outs = product(cols, cuda.makeOutput([count, OH, OW, OC], 'float32'), count * OH * OW);
    const size = OH * OW * OC;
    cuda.addon.copy(cuda.handle(outs.dataId), cuda.handle(out.dataId), [count * size], [1], 0, [1], n0 * size);
    cuda.disposeIntermediateTensorInfo(xs);
    cuda.disposeIntermediateTensorInfo(outs);
  }
  cuda.disposeIntermediateTensorInfo(cols);
  return out;
}

function sliceBatch(cuda: CudaBackend, x: tf.TensorInfo, start: number, count: number): tf.TensorInfo {
  const per = sizeOf(x.shape.slice(1));
  const out = cuda.makeOutput([count, ...x.shape.slice(1)], x.dtype);
  cuda.addon.copy(cuda.handle(x.dataId), cuda.handle(out.dataId), [count * per], [1], start * per, [1], 0);
  return out;
}

function convSupported(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ConvAttrs): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32' && (attrs.dataFormat ?? 'NHWC') === 'NHWC' && x.shape.length === 4;
}

const conv2dKernel: Config = {
  kernelName: 'Conv2D',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs;
    if (!convSupported(x, filter, a)) return runOnCpu('Conv2D', inputs, cuda, attrs);
    return conv2d(cuda, x, filter, a);
  },
};

const fusedConv2dKernel: Config = {
  kernelName: 'FusedConv2D',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { x, filter, bias, preluActivationWeights } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
    if (!convSupported(x, filter, a)) return runOnCpu('FusedConv2D', inputs, cuda, attrs);
    // A float32 bias [OC] with no or a ReLU activation: in the GEMM's epilogue (the expert stems' folded BatchNorm + ReLU).
    if (bias && bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === filter.shape[3] && epilogueActivation(a.activation)) {
      return conv2d(cuda, x, filter, a, { bias, relu: a.activation === 'relu' });
    }
    return biasAndActivation(cuda, conv2d(cuda, x, filter, a), bias, a.activation, preluActivationWeights, a.leakyreluAlpha);
  },
};

const batchNormKernel: Config = {
  kernelName: 'FusedBatchNorm',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { x, mean, variance, offset, scale } = inputs as { x: tf.TensorInfo; mean: tf.TensorInfo; variance: tf.TensorInfo; offset?: tf.TensorInfo; scale?: tf.TensorInfo };
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    if (x.dtype !== 'float32') return runOnCpu('FusedBatchNorm', inputs, cuda, attrs);
    // (x − mean) · rsqrt(variance + ε) · scale + offset, parameters indexed by flat position modulo their size.
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => (temps.push(t), t);
    let inv = keep(unary(cuda, UnaryOp.AFFINE, variance, 'float32', 1, varianceEpsilon));
    inv = keep(unary(cuda, UnaryOp.RSQRT, inv));
    let y = keep(binaryModulo(cuda, BinaryOp.SUB, x, mean));
    if (scale) y = keep(binaryModulo(cuda, BinaryOp.MUL, y, scale));
    y = binaryModulo(cuda, BinaryOp.MUL, y, inv);
    if (offset) {
      const shifted = binaryModulo(cuda, BinaryOp.ADD, y, offset);
      cuda.disposeIntermediateTensorInfo(y);
      y = shifted;
    }
    temps.forEach((t) => cuda.disposeIntermediateTensorInfo(t));
    return y;
  },
};

function resizeConfig(name: string, mode: number): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const cuda = backend as CudaBackend;
      const { images } = inputs as { images: tf.TensorInfo };
      const { alignCorners, halfPixelCenters, size } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean; size: [number, number] };
      if (images.shape.length !== 4) throw new Error(`backend 'cuda': ${name} of rank ${images.shape.length} (NHWC images expected)`);
      const [N, H, W, C] = images.shape as [number, number, number, number];
      const [OH, OW] = size;
      // Bilinear always yields float32 (as the cpu kernel); nearest keeps the dtype.
      const source = mode === ResizeMode.BILINEAR && images.dtype !== 'float32' ? cast(cuda, images, 'float32') : images;
      const out = cuda.makeOutput([N, OH, OW, C], source.dtype);
      cuda.addon.resize(mode, deviceDType(source.dtype), cuda.handle(source.dataId), cuda.handle(out.dataId), [N, H, W, C, OH, OW, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0]);
      if (source !== images) cuda.disposeIntermediateTensorInfo(source);
      return out;
    },
  };
}

export const linalgKernels: Config[] = [
  batchMatMulKernel, fusedMatMulKernel, linearAddKernel, conv2dKernel, fusedConv2dKernel, batchNormKernel,
  resizeConfig('ResizeBilinear', ResizeMode.BILINEAR), resizeConfig('ResizeNearestNeighbor', ResizeMode.NEAREST),
];
