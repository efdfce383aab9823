// Reductions (one native row reduction; the axes are transposed innermost first), ArgMax/ArgMin, Softmax,
// TopK and Cumsum.
import * as tf from '@tensorflow/tfjs';
import { ReduceOp } from './addon.js';
import type { CudaBackend } from './backend.js';
import { runOnCpu } from './fallback.js';
import { deviceDType } from './backend.js';
import { reduce, transpose } from './ops.js';
import { sizeOf } from './strides.js';

type Config = tf.KernelConfig;

function reduction(name: string, op: number, outDtype: (x: tf.DataType) => tf.DataType): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const cuda = backend as CudaBackend;
      const { x } = inputs as { x: tf.TensorInfo };
      // Max names its axes reductionIndices; the other reductions name them axis.
      const { axis, reductionIndices, keepDims } = attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
      const spec = axis ?? reductionIndices;
      const axes = spec == null ? x.shape.map((_, d) => d) : tf.util.parseAxisParam(spec, x.shape);
      const out = reduce(cuda, op, x, axes, outDtype(x.dtype));
      if (!keepDims) return out;
      const kept = cuda.alias(out, tf.backend_util.expandShapeToKeepDim(out.shape, axes));
      cuda.disposeIntermediateTensorInfo(out);
      return kept;
    },
  };
}

function argReduction(name: string, op: number): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const { axis } = attrs as unknown as { axis: number | number[] };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      if (axes.length !== 1) throw new Error(`backend 'cuda': ${name} over ${axes.length} axes`);
      return reduce(backend as CudaBackend, op, x, axes, 'int32');
    },
  };
}

const summed = (dtype: tf.DataType): tf.DataType => (dtype === 'float32' ? 'float32' : 'int32');

const softmaxKernel: Config = {
  kernelName: 'Softmax',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { logits } = inputs as { logits: tf.TensorInfo };
    const { dim } = attrs as unknown as { dim: number };
    const rank = logits.shape.length;
    const axis = dim < 0 ? dim + rank : dim;
    if (axis !== rank - 1) throw new Error(`backend 'cuda': Softmax over axis ${dim} (only the last axis, as tfjs' softmax op)`);
    if (logits.dtype !== 'float32') throw new Error(`backend 'cuda': Softmax of ${logits.dtype}`);
    const cols = logits.shape[rank - 1] ?? 1;
    const out = cuda.makeOutput([...logits.shape], 'float32');
    cuda.addon.softmax(cuda.handle(logits.dataId), cuda.handle(out.dataId), cols === 0 ? 0 : sizeOf(logits.shape) / cols, cols);
    return out;
  },
};

const topkKernel: Config = {
  kernelName: 'TopK',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { x } = inputs as { x: tf.TensorInfo };
    const { k, sorted } = attrs as unknown as { k: number; sorted: boolean };
    // The native kernel returns sorted results; unsorted requests (rare) and int inputs go to the cpu.
    if (x.dtype !== 'float32' || sorted === false) return runOnCpu('TopK', inputs, cuda, attrs);
    const cols = x.shape[x.shape.length - 1] ?? 1;
    if (k < 0 || k > cols) throw new Error(`backend 'cuda': TopK k=${k} for rows of ${cols}`);
    const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
    const shape = [...x.shape.slice(0, -1), k];
    const values = cuda.makeOutput(shape, 'float32');
    const indices = cuda.makeOutput([...shape], 'int32');
    cuda.addon.topk(cuda.handle(x.dataId), cuda.handle(values.dataId), cuda.handle(indices.dataId), rows, cols, k);
    return [values, indices];
  },
};

const cumsumKernel: Config = {
  kernelName: 'Cumsum',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cuda = backend as CudaBackend;
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, exclusive, reverse } = attrs as unknown as { axis: number; exclusive: boolean; reverse: boolean };
    if (x.dtype === 'bool') return runOnCpu('Cumsum', inputs, cuda, attrs);
    const rank = x.shape.length;
    const perm = tf.backend_util.getAxesPermutation([axis], rank);
    const input = perm ? transpose(cuda, x, perm) : x;
    const inner = input.shape[rank - 1] ?? 1;
    const scanned = cuda.makeOutput([...input.shape], x.dtype);
    cuda.addon.cumsum(deviceDType(x.dtype), cuda.handle(input.dataId), cuda.handle(scanned.dataId), inner === 0 ? 0 : sizeOf(input.shape) / inner, inner, exclusive, reverse);
    if (!perm) return scanned;
    cuda.disposeIntermediateTensorInfo(input);
    const back = transpose(cuda, scanned, tf.backend_util.getUndoAxesPermutation(perm));
    cuda.disposeIntermediateTensorInfo(scanned);
    return back;
  },
};

export const reduceKernels: Config[] = [
  reduction('Sum', ReduceOp.SUM, summed),
  reduction('Prod', ReduceOp.PROD, summed),
  reduction('Mean', ReduceOp.MEAN, () => 'float32'),
  reduction('Max', ReduceOp.MAX, (d) => d),
  reduction('Min', ReduceOp.MIN, (d) => d),
  reduction('Any', ReduceOp.ANY, () => 'bool'),
  reduction('All', ReduceOp.ALL, () => 'bool'),
  argReduction('ArgMax', ReduceOp.ARGMAX),
  argReduction('ArgMin', ReduceOp.ARGMIN),
  softmaxKernel,
  topkKernel,
  cumsumKernel,
];
