// The contract between the tfjs 'cuda' backend (TypeScript) and the native addon (kernels/cuda/, C++/CUDA).
// Two implementations exist: the real addon (kernels/cuda/src/*.cu, built by kernels/cuda/build.sh) and the
// host reference in test/backend/cuda-host-addon.ts, which computes the same functions on the CPU so the
// TypeScript half is tested without a GPU. Both follow this file exactly.
//
// Conventions, all of which the native side checks (a violation is a thrown Error, never a crash):
// - Device memory is addressed by opaque numeric handles from `alloc`; every element is 4 bytes
//   (float32 as float, int32 and bool as int32 0/1), so `copy`/`select`/`gather` move 32-bit words
//   regardless of the dtype.
// - Shapes and strides are arrays of element counts (rank ≤ MAX_RANK after the TS side collapses them);
//   a stride of 0 broadcasts. Outputs are contiguous unless out strides are given.
// - Every kernel is queued on one CUDA stream and returns at once; `download` and `synchronize` wait.

export type DeviceHandle = number;

/** Element type codes: float32, or int32 (which also stores bool as 0/1). */
export const F32 = 0;
export const I32 = 1;
export type DeviceDType = typeof F32 | typeof I32;

/** The highest rank a strided kernel accepts (tile doubles the rank, so 12 covers tile of rank 6). */
export const MAX_RANK = 12;

/** Unary opcodes (`unary`): y = f(x; alpha, beta). CAST converts without changing the value (float→int truncates). */
export const UnaryOp = {
  CAST: 0, NEG: 1, ABS: 2, EXP: 3, LOG: 4, SQRT: 5, RSQRT: 6, SQUARE: 7, TANH: 8, SIGMOID: 9, RELU: 10, RELU6: 11,
  ERF: 12, GELU: 13, SIN: 14, COS: 15, FLOOR: 16, CEIL: 17, ROUND: 18, SIGN: 19, RECIPROCAL: 20, EXPM1: 21,
  LOG1P: 22, SOFTPLUS: 23, ELU: 24, LEAKY_RELU: 25, STEP: 26, IS_NAN: 27, IS_INF: 28, IS_FINITE: 29,
  LOGICAL_NOT: 30, CLIP: 31, NOT_ZERO: 32, SELU: 33, AFFINE: 34, TAN: 35, ASIN: 36, ACOS: 37, ATAN: 38,
  SINH: 39, COSH: 40, ASINH: 41, ACOSH: 42, ATANH: 43, QUICK_GELU: 44,
} as const;

/** Binary opcodes (`binary`, `binaryScalar`). Comparisons and logical ops produce 0/1. */
export const BinaryOp = {
  ADD: 0, SUB: 1, MUL: 2, DIV: 3, FLOOR_DIV: 4, MOD: 5, MAX: 6, MIN: 7, POW: 8, SQUARED_DIFFERENCE: 9, ATAN2: 10,
  EQUAL: 11, NOT_EQUAL: 12, LESS: 13, LESS_EQUAL: 14, GREATER: 15, GREATER_EQUAL: 16, LOGICAL_AND: 17,
  LOGICAL_OR: 18, PRELU: 19,
} as const;

/** Reduction opcodes (`reduce`, innermost axis). ARGMAX/ARGMIN write int32 indices (first on ties). */
export const ReduceOp = { SUM: 0, MEAN: 1, MAX: 2, MIN: 3, PROD: 4, ARGMAX: 5, ARGMIN: 6, ANY: 7, ALL: 8 } as const;

/** `resize` modes. */
export const ResizeMode = { BILINEAR: 0, NEAREST: 1 } as const;

export interface CudaDeviceInfo {
  name: string;
  /** e.g. "9.0" */
  computeCapability: string;
  totalBytes: number;
  freeBytes: number;
  /** cudart and cuBLAS versions, for the bench report. */
  runtimeVersion: number;
  cublasVersion: number;
}

export interface CudaMemoryInfo {
  /** Bytes held by live allocations. */
  allocatedBytes: number;
  allocations: number;
}

/** The exports of prismer_cuda.node (and of the host reference). */
export interface CudaAddon {
  /** Initialises the device on first use; throws when no CUDA device is usable. */
  deviceInfo(): CudaDeviceInfo;
  alloc(bytes: number): DeviceHandle;
  /** Queued after every kernel already issued, so freeing right after launching a consumer is safe. */
  free(handle: DeviceHandle): void;
  /** Copies values into the allocation (from offset 0). The array may be reused as soon as this returns. */
  upload(handle: DeviceHandle, values: Float32Array | Int32Array): void;
  /** Waits for queued work, then copies the first `out.length` elements into `out`. */
  download(handle: DeviceHandle, out: Float32Array | Int32Array): void;
  synchronize(): void;
  memory(): CudaMemoryInfo;
  /** TF32 tensor cores for GEMM (off by default: strict fp32). */
  setTF32(enabled: boolean): void;
  /** Synchronise after every kernel (to attribute asynchronous faults); off by default. */
  setDebugSync(enabled: boolean): void;

  /** out[0..n) = value. */
  fill(dtype: DeviceDType, out: DeviceHandle, n: number, value: number): void;
  /** out[i] = op(x[i]), contiguous n elements; x in inType, out in outType. */
  unary(op: number, inType: DeviceDType, outType: DeviceDType, x: DeviceHandle, out: DeviceHandle, n: number, alpha: number, beta: number): void;
  /** out (contiguous, shape) = op(a, b) with a and b read through their broadcast strides. */
  binary(op: number, inType: DeviceDType, outType: DeviceDType, a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, shape: number[], aStrides: number[], bStrides: number[]): void;
  /** out[i] = op(a[i], s) (or op(s, a[i]) with scalarFirst) for a scalar known on the host. */
  binaryScalar(op: number, inType: DeviceDType, outType: DeviceDType, a: DeviceHandle, scalar: number, scalarFirst: boolean, out: DeviceHandle, n: number): void;
  /** out (contiguous, shape) = cond ? a : b, each read through its strides (cond int32). */
  select(cond: DeviceHandle, a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void;
  /** x [outer, inner] contiguous → out [outer]. */
  reduce(op: number, inType: DeviceDType, outType: DeviceDType, x: DeviceHandle, out: DeviceHandle, outer: number, inner: number): void;
  /** Row softmax of x [rows, cols] (float32), max-subtracted. */
  softmax(x: DeviceHandle, out: DeviceHandle, rows: number, cols: number): void;
  /** out[outOffset + Σ i_d·outStrides_d] = x[inOffset + Σ i_d·inStrides_d] over the index space `shape` (32-bit words). */
  copy(x: DeviceHandle, out: DeviceHandle, shape: number[], inStrides: number[], inOffset: number, outStrides: number[], outOffset: number): void;
  /** x [outer, axisSize, inner], indices int32 [count] → out [outer, count, inner]; out-of-range indices give 0. */
  gather(x: DeviceHandle, indices: DeviceHandle, out: DeviceHandle, outer: number, axisSize: number, inner: number, count: number): void;
  /** C[b] = op(A[b]) · op(B[b]) row-major, float32; C is [m, n]; batch strides in elements (0 broadcasts). */
  gemm(a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, strideC: number): void;
  /**
   * C [m, n] = A [m, k] · op(B) + residual [m, n] + bias [n], then ReLU if `relu`, in one cuBLASLt call (bias, ReLU and
   * the residual's beta = 1 in its epilogue); `residual` 0 for none. Returns false, having queued nothing, when
   * cuBLASLt cannot (absent, or no algorithm for the shape); the caller then does the rest itself.
   */
  gemmBias(a: DeviceHandle, b: DeviceHandle, bias: DeviceHandle, out: DeviceHandle, m: number, n: number, k: number, transB: boolean, relu: boolean, residual: DeviceHandle): boolean;
  /**
   * NHWC patches: x [N,H,W,C] → cols [N·OH·OW, KH·KW·C] (zero outside the image), so that cols · filter
   * ([KH·KW·C, OC], tfjs' [KH,KW,C,OC] as a matrix) is the convolution.
   * p = [N, H, W, C, KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW, OH, OW].
   */
  im2col(x: DeviceHandle, cols: DeviceHandle, p: number[]): void;
  /** NHWC resize with tfjs' alignCorners/halfPixelCenters semantics. p = [N, H, W, C, OH, OW, alignCorners, halfPixelCenters]. */
  resize(mode: number, dtype: DeviceDType, x: DeviceHandle, out: DeviceHandle, p: number[]): void;
  /** Inclusive (or exclusive) prefix sums along the innermost axis of x [outer, inner], optionally reversed. */
  cumsum(dtype: DeviceDType, x: DeviceHandle, out: DeviceHandle, outer: number, inner: number, exclusive: boolean, reverse: boolean): void;
  /** Per row of x [rows, cols] (float32): the k largest values (descending, lower index first on ties) and their int32 indices. */
  topk(x: DeviceHandle, values: DeviceHandle, indices: DeviceHandle, rows: number, cols: number, k: number): void;
  /** indices int32 [n] → out float32 [n, depth] with on/off values (out-of-range rows are all off). */
  oneHot(indices: DeviceHandle, out: DeviceHandle, n: number, depth: number, onValue: number, offValue: number, dtype: DeviceDType): void;
  /** out = (x − mean) / sqrt(var + eps) · gamma + beta per row of x [rows, cols] (biased variance), float32. */
  layerNorm(x: DeviceHandle, gamma: DeviceHandle, beta: DeviceHandle, out: DeviceHandle, rows: number, cols: number, eps: number): void;
  /** out[i] = x[i]·scale[i mod channels] + shift[i mod channels], then ReLU when `relu` (eval BatchNorm + ReLU, channels last). */
  scaleShift(x: DeviceHandle, scale: DeviceHandle, shift: DeviceHandle, out: DeviceHandle, n: number, channels: number, relu: boolean): void;
  /**
   * The multi-head attention core over strided head views: probs [B, H, Lq, Lk] = softmax(max(scale·q·kᵀ + mask,
   * −FLT_MAX)) (no mask: no clamp), then out = probs · v. `p` = [B, H, Lq, Lk, d, then offset, batch, head and row
   * strides of q, k, v and out (4 each), then the mask's b, h, q, k strides]; element (b, h, l, j) of a view is at
   * offset + b·batchStride + h·headStride + l·rowStride + j. `mask` is 0 for none; `probs` 0 when the probabilities
   * are not wanted (the addon then uses scratch, or with no mask, d = 64 and at least 64 queries one fused kernel that
   * never materialises them, unless PRISMER_CUDA_ATTENTION=gemm).
   */
  attention(q: DeviceHandle, k: DeviceHandle, v: DeviceHandle, mask: DeviceHandle, out: DeviceHandle, probs: DeviceHandle, p: number[], scale: number): void;
}

/** The functions an object must export to be taken for the addon (checked on load, so a stale build is a clear error). */
export const CUDA_ADDON_FUNCTIONS: readonly (keyof CudaAddon)[] = [
  'deviceInfo', 'alloc', 'free', 'upload', 'download', 'synchronize', 'memory', 'setTF32', 'setDebugSync', 'fill', 'unary', 'binary',
  'binaryScalar', 'select', 'reduce', 'softmax', 'copy', 'gather', 'gemm', 'im2col', 'resize', 'cumsum', 'topk', 'oneHot',
  'layerNorm', 'attention', 'scaleShift', 'gemmBias',
];

/** Narrows an unknown module export to the addon interface, naming the functions a stale build lacks. */
export function asCudaAddon(exports: unknown): CudaAddon {
  const missing = CUDA_ADDON_FUNCTIONS.filter((name) => typeof (exports as Record<string, unknown> | null)?.[name] !== 'function');
  if (missing.length > 0) throw new Error(`backend 'cuda': the addon lacks ${missing.join(', ')} (rebuild it: npm run build:cuda)`);
  return exports as CudaAddon;
}
