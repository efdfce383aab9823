// Elementwise kernels: every unary op maps to one opcode of the native unary kernel, every binary op to one
// opcode of the broadcasting binary kernel; plus Cast, Select, AddN and the attribute-taking activations.
import * as tf from '@tensorflow/tfjs';
import { BinaryOp, UnaryOp } from './addon.js';
import type { CudaBackend } from './backend.js';
import { binary, cast, unary } from './ops.js';
import { broadcastStrides, collapse, rowMajorStrides, sizeOf } from './strides.js';

type Config = tf.KernelConfig;

const BOOL_RESULT = new Set<number>([UnaryOp.IS_NAN, UnaryOp.IS_INF, UnaryOp.IS_FINITE, UnaryOp.LOGICAL_NOT]);

/** tfjs kernel name → unary opcode. */
const UNARY: Record<string, number> = {
  Neg: UnaryOp.NEG, Abs: UnaryOp.ABS, Exp: UnaryOp.EXP, Log: UnaryOp.LOG, Sqrt: UnaryOp.SQRT, Rsqrt: UnaryOp.RSQRT,
  Square: UnaryOp.SQUARE, Tanh: UnaryOp.TANH, Sigmoid: UnaryOp.SIGMOID, Relu: UnaryOp.RELU, Relu6: UnaryOp.RELU6,
  Erf: UnaryOp.ERF, Sin: UnaryOp.SIN, Cos: UnaryOp.COS, Tan: UnaryOp.TAN, Asin: UnaryOp.ASIN, Acos: UnaryOp.ACOS,
  Atan: UnaryOp.ATAN, Sinh: UnaryOp.SINH, Cosh: UnaryOp.COSH, Asinh: UnaryOp.ASINH, Acosh: UnaryOp.ACOSH, Atanh: UnaryOp.ATANH,
  Floor: UnaryOp.FLOOR, Ceil: UnaryOp.CEIL, Round: UnaryOp.ROUND, Sign: UnaryOp.SIGN, Reciprocal: UnaryOp.RECIPROCAL,
  Expm1: UnaryOp.EXPM1, Log1p: UnaryOp.LOG1P, Softplus: UnaryOp.SOFTPLUS, Elu: UnaryOp.ELU, Selu: UnaryOp.SELU,
  IsNan: UnaryOp.IS_NAN, IsInf: UnaryOp.IS_INF, IsFinite: UnaryOp.IS_FINITE, LogicalNot: UnaryOp.LOGICAL_NOT,
};

/** Unary ops whose float math makes no sense on int32 in tfjs either: the result is float32. */
const FLOAT_ONLY = new Set<number>([UnaryOp.EXP, UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.RSQRT, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.ERF]);

/** tfjs kernel name → binary opcode, and the result dtype when it is not the inputs' (bool, float32, int32 as tfjs' cpu kernels). */
const BINARY: Record<string, { op: number; bool?: boolean; float?: boolean; int?: boolean }> = {
  Add: { op: BinaryOp.ADD }, Sub: { op: BinaryOp.SUB }, Multiply: { op: BinaryOp.MUL }, RealDiv: { op: BinaryOp.DIV, float: true },
  FloorDiv: { op: BinaryOp.FLOOR_DIV, int: true }, Mod: { op: BinaryOp.MOD }, Maximum: { op: BinaryOp.MAX }, Minimum: { op: BinaryOp.MIN },
  Pow: { op: BinaryOp.POW }, SquaredDifference: { op: BinaryOp.SQUARED_DIFFERENCE }, Atan2: { op: BinaryOp.ATAN2 },
  Equal: { op: BinaryOp.EQUAL, bool: true }, NotEqual: { op: BinaryOp.NOT_EQUAL, bool: true }, Less: { op: BinaryOp.LESS, bool: true },
  LessEqual: { op: BinaryOp.LESS_EQUAL, bool: true }, Greater: { op: BinaryOp.GREATER, bool: true },
  GreaterEqual: { op: BinaryOp.GREATER_EQUAL, bool: true }, LogicalAnd: { op: BinaryOp.LOGICAL_AND, bool: true },
  LogicalOr: { op: BinaryOp.LOGICAL_OR, bool: true }, Prelu: { op: BinaryOp.PRELU },
};

function unaryConfig(name: string, op: number): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const outDtype: tf.DataType = BOOL_RESULT.has(op) ? 'bool' : FLOAT_ONLY.has(op) ? 'float32' : x.dtype === 'bool' ? 'int32' : x.dtype;
      return unary(backend as CudaBackend, op, x, outDtype);
    },
  };
}

function binaryConfig(name: string, spec: { op: number; bool?: boolean; float?: boolean; int?: boolean }): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend }) => {
      const named = inputs as { a?: tf.TensorInfo; b?: tf.TensorInfo; x?: tf.TensorInfo; alpha?: tf.TensorInfo };
      const a = named.a ?? named.x;
      const b = named.b ?? named.alpha;
      if (!a || !b) throw new Error(`backend 'cuda': ${name} needs two inputs`);
      if (a.dtype !== b.dtype) throw new Error(`backend 'cuda': ${name} of ${a.dtype} and ${b.dtype} (the op layer casts them alike)`);
      const outDtype: tf.DataType = spec.bool ? 'bool' : spec.float ? 'float32' : spec.int || a.dtype === 'bool' ? 'int32' : a.dtype;
      return binary(backend as CudaBackend, spec.op, a, b, outDtype);
    },
  };
}

const castKernel: Config = {
  kernelName: 'Cast',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { dtype } = attrs as unknown as { dtype: tf.DataType };
    return cast(backend as CudaBackend, x, dtype);
  },
};

function attrUnary(name: string, op: number, params: (attrs: Record<string, unknown>) => [number, number]): Config {
  return {
    kernelName: name,
    backendName: 'cuda',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const [alpha, beta] = params((attrs ?? {}) as Record<string, unknown>);
      return unary(backend as CudaBackend, op, x, x.dtype, alpha, beta);
    },
  };
}

const selectKernel: Config = {
  kernelName: 'Select',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend }) => {
    const cuda = backend as CudaBackend;
    const { condition, t, e } = inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    const shape = [...t.shape];
    if (e.shape.join() !== t.shape.join()) throw new Error(`backend 'cuda': Select of [${t.shape.join(', ')}] and [${e.shape.join(', ')}]`);
    // tfjs: a rank-1 condition selects whole rows of higher-rank t/e; otherwise it matches their shape.
    let condStrides: number[];
    if (condition.shape.length === 1 && shape.length > 1) {
      if (condition.shape[0] !== shape[0]) throw new Error(`backend 'cuda': Select condition of ${condition.shape[0]} rows for ${shape[0]}`);
      condStrides = shape.map((_, d) => (d === 0 ? 1 : 0));
    } else condStrides = broadcastStrides(condition.shape, shape);
    const out = cuda.makeOutput(shape, tf.upcastType(t.dtype, e.dtype));
    const own = rowMajorStrides(shape);
    const c = collapse(shape, [condStrides, own, own]);
    if (sizeOf(shape) > 0) {
      cuda.addon.select(cuda.handle(condition.dataId), cuda.handle(t.dataId), cuda.handle(e.dataId), cuda.handle(out.dataId), c.shape, c.strides[0]!, c.strides[1]!, c.strides[2]!);
    }
    return out;
  },
};

const addNKernel: Config = {
  kernelName: 'AddN',
  backendName: 'cuda',
  kernelFunc: ({ inputs, backend }) => {
    const cuda = backend as CudaBackend;
    const tensors = inputs as unknown as tf.TensorInfo[];
    if (tensors.length === 1) return cuda.alias(tensors[0]!, [...tensors[0]!.shape]);
    let sum = binary(cuda, BinaryOp.ADD, tensors[0]!, tensors[1]!, tensors[0]!.dtype);
    for (const next of tensors.slice(2)) {
      const s = binary(cuda, BinaryOp.ADD, sum, next, sum.dtype);
      cuda.disposeIntermediateTensorInfo(sum);
      sum = s;
    }
    return sum;
  },
};

export const elementwiseKernels: Config[] = [
  ...Object.entries(UNARY).map(([name, op]) => unaryConfig(name, op)),
  ...Object.entries(BINARY).map(([name, spec]) => binaryConfig(name, spec)),
  castKernel,
  selectKernel,
  addNKernel,
  attrUnary('LeakyRelu', UnaryOp.LEAKY_RELU, (a) => [Number(a.alpha ?? 0.2), 0]),
  attrUnary('Step', UnaryOp.STEP, (a) => [Number(a.alpha ?? 0), 0]),
  attrUnary('ClipByValue', UnaryOp.CLIP, (a) => [Number(a.clipValueMin), Number(a.clipValueMax)]),
];
