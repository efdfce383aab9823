// Device operations on TensorInfos that the kernel registrations are built from: each checks its shapes,
// allocates its output and queues one native kernel. Temporaries a kernel creates are freed with
// cuda.disposeIntermediateTensorInfo once their consumers are queued (frees are stream-ordered).
import * as tf from '@tensorflow/tfjs';
import { BinaryOp, ReduceOp, UnaryOp, type DeviceDType } from './addon.js';
import { deviceDType, type CudaBackend } from './backend.js';
import { broadcastStrides, collapse, rowMajorStrides, sizeOf } from './strides.js';

export function unary(cuda: CudaBackend, op: number, x: tf.TensorInfo, outDtype: tf.DataType = x.dtype, alpha = 0, beta = 0): tf.TensorInfo {
  const out = cuda.makeOutput([...x.shape], outDtype);
  cuda.addon.unary(op, deviceDType(x.dtype), deviceDType(outDtype), cuda.handle(x.dataId), cuda.handle(out.dataId), sizeOf(x.shape), alpha, beta);
  return out;
}

/** op(a, b) with numpy broadcasting; a one-element operand known on the host goes in as a kernel argument. */
export function binary(cuda: CudaBackend, op: number, a: tf.TensorInfo, b: tf.TensorInfo, outDtype: tf.DataType, inDtype: tf.DataType = a.dtype): tf.TensorInfo {
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const out = cuda.makeOutput(shape, outDtype);
  const n = sizeOf(shape);
  const inType = deviceDType(inDtype);
  const outType = deviceDType(outDtype);
  const sa = cuda.hostScalar(a.dataId);
  const sb = cuda.hostScalar(b.dataId);
  if (sb !== undefined && sizeOf(a.shape) === n) {
    cuda.addon.binaryScalar(op, inType, outType, cuda.handle(a.dataId), sb, false, cuda.handle(out.dataId), n);
  } else if (sa !== undefined && sizeOf(b.shape) === n) {
    cuda.addon.binaryScalar(op, inType, outType, cuda.handle(b.dataId), sa, true, cuda.handle(out.dataId), n);
  } else {
    const c = collapse(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
    cuda.addon.binary(op, inType, outType, cuda.handle(a.dataId), cuda.handle(b.dataId), cuda.handle(out.dataId), c.shape, c.strides[0]!, c.strides[1]!);
  }
  return out;
}

/**
 * A binary op whose second operand is applied by flattened position modulo its size (the cpu backend's rule
 * for batch-norm parameters): b is read as [size(x)/size(b), size(b)] with the leading axis broadcast.
 */
export function binaryModulo(cuda: CudaBackend, op: number, x: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const n = sizeOf(x.shape);
  const m = sizeOf(b.shape);
  if (m === 0 || n % m !== 0) throw new Error(`backend 'cuda': a parameter of ${m} values does not tile a tensor of ${n}`);
  const out = cuda.makeOutput([...x.shape], 'float32');
  const c = collapse([n / m, m], [[m, 1], [0, 1]]);
  cuda.addon.binary(op, deviceDType(x.dtype), deviceDType('float32'), cuda.handle(x.dataId), cuda.handle(b.dataId), cuda.handle(out.dataId), c.shape, c.strides[0]!, c.strides[1]!);
  return out;
}

export function fill(cuda: CudaBackend, shape: number[], dtype: tf.DataType, value: number): tf.TensorInfo {
  const out = cuda.makeOutput(shape, dtype);
  cuda.addon.fill(deviceDType(dtype), cuda.handle(out.dataId), sizeOf(shape), dtype === 'bool' ? (value ? 1 : 0) : value);
  return out;
}

/** A contiguous tensor of `shape` read from x at inOffset + Σ i_d·inStrides_d. */
export function gatherStrided(cuda: CudaBackend, x: tf.TensorInfo, shape: number[], inStrides: number[], inOffset = 0): tf.TensorInfo {
  const out = cuda.makeOutput(shape, x.dtype);
  copyInto(cuda, x, out, shape, inStrides, inOffset, rowMajorStrides(shape), 0);
  return out;
}

/** Copies the index space `shape` from x (inStrides, inOffset) into out (outStrides, outOffset). */
export function copyInto(cuda: CudaBackend, x: tf.TensorInfo, out: tf.TensorInfo, shape: number[], inStrides: number[], inOffset: number, outStrides: number[], outOffset: number): void {
  if (sizeOf(shape) === 0) return;
  const c = collapse(shape, [inStrides, outStrides]);
  if (c.shape.length > 12) throw new Error(`backend 'cuda': a copy of rank ${c.shape.length} exceeds the native limit of 12`);
  cuda.addon.copy(cuda.handle(x.dataId), cuda.handle(out.dataId), c.shape, c.strides[0]!, inOffset, c.strides[1]!, outOffset);
}

export function transpose(cuda: CudaBackend, x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
  if (perm.length !== x.shape.length) throw new Error(`backend 'cuda': transpose permutation [${perm.join(', ')}] for rank ${x.shape.length}`);
  const strides = rowMajorStrides(x.shape);
  return gatherStrided(cuda, x, perm.map((p) => x.shape[p]!), perm.map((p) => strides[p]!));
}

/** A copy of x broadcast to `shape`. */
export function broadcastTo(cuda: CudaBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return gatherStrided(cuda, x, shape, broadcastStrides(x.shape, shape));
}

/** Reduces x over `axes` (transposing them innermost first); the result has the reduced axes removed. */
export function reduce(cuda: CudaBackend, op: number, x: tf.TensorInfo, axes: number[], outDtype: tf.DataType): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = tf.backend_util.getAxesPermutation(axes, rank);
  const input = perm ? transpose(cuda, x, perm) : x;
  const inner = perm ? tf.backend_util.getInnerMostAxes(axes.length, rank) : axes;
  const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(input.shape, inner);
  const out = cuda.makeOutput(outShape, outDtype);
  cuda.addon.reduce(op, deviceDType(input.dtype), deviceDType(outDtype), cuda.handle(input.dataId), cuda.handle(out.dataId), sizeOf(outShape), sizeOf(reduceShape));
  if (perm) cuda.disposeIntermediateTensorInfo(input);
  return out;
}

export function cast(cuda: CudaBackend, x: tf.TensorInfo, dtype: tf.DataType): tf.TensorInfo {
  if (x.dtype === dtype) return cuda.alias(x, [...x.shape]);
  if (dtype === 'bool') return unary(cuda, UnaryOp.NOT_ZERO, x, 'bool');
  return unary(cuda, UnaryOp.CAST, x, dtype);
}

export function gemm(cuda: CudaBackend, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo, dims: { batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean; strideA: number; strideB: number; strideC: number }): void {
  cuda.addon.gemm(cuda.handle(a.dataId), cuda.handle(b.dataId), cuda.handle(out.dataId), dims.batch, dims.m, dims.n, dims.k, dims.transA, dims.transB, dims.strideA, dims.strideB, dims.strideC);
}

export type FusedActivation = 'linear' | 'relu' | 'prelu' | 'elu' | 'relu6' | 'leakyrelu' | 'sigmoid';

/** Adds the bias (broadcast) and applies a tfjs fused activation; consumes (frees) y when it makes a new tensor. */
export function biasAndActivation(cuda: CudaBackend, y: tf.TensorInfo, bias: tf.TensorInfo | undefined, activation: string | undefined, prelu: tf.TensorInfo | undefined, leakyAlpha: number | undefined): tf.TensorInfo {
  let out = y;
  const replace = (next: tf.TensorInfo) => {
    cuda.disposeIntermediateTensorInfo(out);
    out = next;
  };
  if (bias) replace(binary(cuda, BinaryOp.ADD, out, bias, 'float32'));
  switch (activation ?? 'linear') {
    case 'linear': break;
    case 'relu': replace(unary(cuda, UnaryOp.RELU, out)); break;
    case 'relu6': replace(unary(cuda, UnaryOp.RELU6, out)); break;
    case 'elu': replace(unary(cuda, UnaryOp.ELU, out)); break;
    case 'sigmoid': replace(unary(cuda, UnaryOp.SIGMOID, out)); break;
    case 'leakyrelu': replace(unary(cuda, UnaryOp.LEAKY_RELU, out, 'float32', leakyAlpha ?? 0.2)); break;
    case 'prelu':
      if (!prelu) throw new Error(`backend 'cuda': prelu activation without weights`);
      replace(binary(cuda, BinaryOp.PRELU, out, prelu, 'float32'));
      break;
    default: throw new Error(`backend 'cuda': unknown fused activation '${activation}'`);
  }
  return out;
}

export { BinaryOp, ReduceOp, UnaryOp, type DeviceDType };
