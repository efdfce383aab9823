// Layout kernels: reshape-likes share the data (no copy); transpose, slice, concat, pad, tile, split, pack and
// unpack are all the one native strided copy; gather and one-hot have their own small kernels.
import * as tf from '@tensorflow/tfjs';
import type { CudaBackend } from './backend.js';
import { runOnCpu } from './fallback.js';
import { copyInto, fill, gatherStrided, transpose } from './ops.js';
import { rowMajorStrides, sizeOf } from './strides.js';

type Config = tf.KernelConfig;

function config(kernelName: string, kernelFunc: (cuda: CudaBackend, inputs: tf.NamedTensorInfoMap, attrs: Record<string, unknown>) => tf.TensorInfo | tf.TensorInfo[]): Config {
  return { kernelName, backendName: 'cuda', kernelFunc: ({ inputs, backend, attrs }) => kernelFunc(backend as CudaBackend, inputs, (attrs ?? {}) as Record<string, unknown>) };
}

const input = (inputs: tf.NamedTensorInfoMap, name = 'x'): tf.TensorInfo => {
  const t = inputs[name];
  if (!t) throw new Error(`backend 'cuda': missing input '${name}'`);
  return t;
};

function slice(cuda: CudaBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const strides = rowMajorStrides(x.shape);
  const offset = begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
  return gatherStrided(cuda, x, size, strides, offset);
}

function concat(cuda: CudaBackend, tensors: tf.TensorInfo[], axis: number): tf.TensorInfo {
  const shapes = tensors.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const dtype = tensors.map((t) => t.dtype).reduce((a, b) => tf.upcastType(a, b));
  if (tensors.some((t) => t.dtype !== dtype)) throw new Error(`backend 'cuda': Concat of mixed dtypes ${tensors.map((t) => t.dtype).join(', ')}`);
  const out = cuda.makeOutput(outShape, dtype);
  const outStrides = rowMajorStrides(outShape);
  let at = 0;
  for (const t of tensors) {
    copyInto(cuda, t, out, [...t.shape], rowMajorStrides(t.shape), 0, outStrides, at * outStrides[axis]!);
    at += t.shape[axis]!;
  }
  return out;
}

const reshapeKernel = config('Reshape', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const shape = tf.util.inferFromImplicitShape(attrs.shape as number[], sizeOf(x.shape));
  if (sizeOf(shape) !== sizeOf(x.shape)) throw new Error(`backend 'cuda': cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  return cuda.alias(x, shape);
});

const identityKernel = config('Identity', (cuda, inputs) => {
  const x = input(inputs);
  return cuda.alias(x, [...x.shape]);
});

const expandDimsKernel = config('ExpandDims', (cuda, inputs, attrs) => {
  const x = input(inputs, 'input');
  const rank = x.shape.length;
  let dim = attrs.dim as number;
  if (dim < 0) dim = rank + dim + 1;
  const shape = [...x.shape];
  shape.splice(dim, 0, 1);
  return cuda.alias(x, shape);
});

const squeezeKernel = config('Squeeze', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const axes = tf.util.parseAxisParam((attrs.axis as number[] | undefined) ?? [], x.shape);
  return cuda.alias(x, tf.util.squeezeShape(x.shape, axes).newShape);
});

const transposeKernel = config('Transpose', (cuda, inputs, attrs) => transpose(cuda, input(inputs), attrs.perm as number[]));

const sliceKernel = config('Slice', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin as number | number[], attrs.size as number | number[] | undefined);
  tf.slice_util.assertParamsValid(x as unknown as tf.Tensor, begin, size);
  return slice(cuda, x, begin, size);
});

const concatKernel = config('Concat', (cuda, inputs, attrs) => {
  const tensors = (inputs as unknown as tf.TensorInfo[]);
  const axis = tf.util.parseAxisParam(attrs.axis as number, tensors[0]!.shape)[0]!;
  const nonEmpty = tensors.filter((t) => sizeOf(t.shape) > 0);
  if (nonEmpty.length === 1) return cuda.alias(nonEmpty[0]!, tf.backend_util.computeOutShape(tensors.map((t) => t.shape), axis));
  return concat(cuda, tensors, axis);
});

const padKernel = config('PadV2', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const paddings = attrs.paddings as [number, number][];
  const constantValue = Number(attrs.constantValue ?? 0);
  const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const out = fill(cuda, outShape, x.dtype, constantValue);
  const outStrides = rowMajorStrides(outShape);
  const offset = paddings.reduce((acc, [before], d) => acc + before * outStrides[d]!, 0);
  copyInto(cuda, x, out, [...x.shape], rowMajorStrides(x.shape), 0, outStrides, offset);
  return out;
});

const tileKernel = config('Tile', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const reps = attrs.reps as number[];
  if (reps.length !== x.shape.length) throw new Error(`backend 'cuda': Tile reps [${reps.join(', ')}] for rank ${x.shape.length}`);
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = cuda.makeOutput(outShape, x.dtype);
  // Index space [rep_0, d_0, rep_1, d_1, …]: each repetition writes a block of the output, reading x whole.
  const xs = rowMajorStrides(x.shape);
  const os = rowMajorStrides(outShape);
  const space: number[] = [];
  const inStrides: number[] = [];
  const outStrides: number[] = [];
  x.shape.forEach((d, i) => {
    space.push(reps[i]!, d);
    inStrides.push(0, xs[i]!);
    outStrides.push(os[i]! * d, os[i]!);
  });
  copyInto(cuda, x, out, space, inStrides, 0, outStrides, 0);
  return out;
});

const gatherKernel = config('GatherV2', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const indices = input(inputs, 'indices');
  const batchDims = Number(attrs.batchDims ?? 0);
  if (batchDims !== 0 || indices.dtype !== 'int32') return runOnCpu('GatherV2', inputs, cuda, attrs as tf.NamedAttrMap);
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const count = sizeOf(indices.shape);
  const out = cuda.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  cuda.addon.gather(cuda.handle(x.dataId), cuda.handle(indices.dataId), cuda.handle(out.dataId), outer, x.shape[axis]!, inner, count);
  return out;
});

const splitKernel = config('SplitV', (cuda, inputs, attrs) => {
  const x = input(inputs);
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = slice(cuda, x, [...begin], size);
    begin[axis] += s;
    return part;
  });
});

const unpackKernel = config('Unpack', (cuda, inputs, attrs) => {
  const value = input(inputs, 'value');
  const axis = tf.util.parseAxisParam(attrs.axis as number, value.shape)[0]!;
  const outShape = value.shape.filter((_, d) => d !== axis);
  const size = [...value.shape];
  size[axis] = 1;
  return Array.from({ length: value.shape[axis]! }, (_, i) => {
    const begin = value.shape.map((_, d) => (d === axis ? i : 0));
    const part = slice(cuda, value, begin, size);
    const shaped = cuda.alias(part, outShape);
    cuda.disposeIntermediateTensorInfo(part);
    return shaped;
  });
});

const packKernel = config('Pack', (cuda, inputs, attrs) => {
  const tensors = inputs as unknown as tf.TensorInfo[];
  const first = tensors[0]!;
  const axis = tf.util.parseAxisParam(attrs.axis as number, [...first.shape, 1])[0]!;
  const expanded = tensors.map((t) => {
    const shape = [...t.shape];
    shape.splice(axis, 0, 1);
    return cuda.alias(t, shape);
  });
  const out = concat(cuda, expanded, axis);
  expanded.forEach((t) => cuda.disposeIntermediateTensorInfo(t));
  return out;
});

const fillKernel = config('Fill', (cuda, _inputs, attrs) => fill(cuda, attrs.shape as number[], (attrs.dtype as tf.DataType | undefined) ?? 'float32', Number(attrs.value)));
const zerosLikeKernel = config('ZerosLike', (cuda, inputs) => fill(cuda, [...input(inputs).shape], input(inputs).dtype, 0));
const onesLikeKernel = config('OnesLike', (cuda, inputs) => fill(cuda, [...input(inputs).shape], input(inputs).dtype, 1));

const rangeKernel = config('Range', (cuda, _inputs, attrs) => {
  const { start, stop, step, dtype } = attrs as { start: number; stop: number; step: number; dtype: 'float32' | 'int32' };
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return cuda.makeTensorInfo([n], dtype, values);
});

const oneHotKernel = config('OneHot', (cuda, inputs, attrs) => {
  const indices = input(inputs, 'indices');
  const { depth, onValue, offValue, dtype } = attrs as { depth: number; onValue: number; offValue: number; dtype: tf.DataType };
  if (indices.dtype !== 'int32') return runOnCpu('OneHot', inputs, cuda, attrs as tf.NamedAttrMap);
  const n = sizeOf(indices.shape);
  const out = cuda.makeOutput([...indices.shape, depth], dtype);
  cuda.addon.oneHot(cuda.handle(indices.dataId), cuda.handle(out.dataId), n, depth, onValue, offValue, dtype === 'float32' ? 0 : 1);
  return out;
});

export const layoutKernels: Config[] = [
  reshapeKernel, identityKernel, expandDimsKernel, squeezeKernel, transposeKernel, sliceKernel, concatKernel, padKernel, tileKernel,
  gatherKernel, splitKernel, unpackKernel, packKernel, fillKernel, zerosLikeKernel, onesLikeKernel, rangeKernel, oneHotKernel,
];
