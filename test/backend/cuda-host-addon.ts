// A CPU implementation of the prismer_cuda addon interface (lib/backend/cuda/addon.ts): the same functions
// with the same argument checks, computing on typed arrays. It lets the TypeScript half of the cuda backend
// (kernel registrations, strides, refcounts, fallbacks) run and be compared with the tfjs cpu backend in CI,
// where there is no GPU; the native kernels themselves are checked by bench/gpu.ts on the device.
import { BinaryOp, F32, MAX_RANK, ReduceOp, UnaryOp, type CudaAddon, type CudaDeviceInfo, type DeviceDType, type DeviceHandle } from '../../lib/backend/cuda/addon.js';

const f32 = Math.fround;

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for a reference; use a series / continued fraction split.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

function unaryValue(op: number, x: number, a: number, b: number, intIn: boolean): number {
  switch (op) {
    case UnaryOp.CAST: return x;
    case UnaryOp.NEG: return -x;
    case UnaryOp.ABS: return Math.abs(x);
    case UnaryOp.EXP: return Math.exp(x);
    case UnaryOp.LOG: return Math.log(x);
    case UnaryOp.SQRT: return Math.sqrt(x);
    case UnaryOp.RSQRT: return 1 / Math.sqrt(x);
    case UnaryOp.SQUARE: return intIn ? Math.imul(x, x) : x * x;
    case UnaryOp.TANH: return Math.tanh(x);
    case UnaryOp.SIGMOID: return 1 / (1 + Math.exp(-x));
    case UnaryOp.RELU: return Number.isNaN(x) ? x : Math.max(x, 0);
    case UnaryOp.RELU6: return Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 6);
    case UnaryOp.ERF: return erf(x);
    case UnaryOp.GELU: return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
    case UnaryOp.QUICK_GELU: return x / (1 + Math.exp(-1.702 * x));
    case UnaryOp.SIN: return Math.sin(x);
    case UnaryOp.COS: return Math.cos(x);
    case UnaryOp.TAN: return Math.tan(x);
    case UnaryOp.ASIN: return Math.asin(x);
    case UnaryOp.ACOS: return Math.acos(x);
    case UnaryOp.ATAN: return Math.atan(x);
    case UnaryOp.SINH: return Math.sinh(x);
    case UnaryOp.COSH: return Math.cosh(x);
    case UnaryOp.ASINH: return Math.asinh(x);
    case UnaryOp.ACOSH: return Math.acosh(x);
    case UnaryOp.ATANH: return Math.atanh(x);
    case UnaryOp.FLOOR: return Math.floor(x);
    case UnaryOp.CEIL: return Math.ceil(x);
    case UnaryOp.ROUND: {
      const base = Math.floor(x);
      const d = x - base;
      if (d < 0.5) return base;
      if (d > 0.5) return base + 1;
      return base % 2 === 0 ? base : base + 1;
    }
    case UnaryOp.SIGN: return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x;
    case UnaryOp.RECIPROCAL: return 1 / x;
    case UnaryOp.EXPM1: return Math.expm1(x);
    case UnaryOp.LOG1P: return Math.log1p(x);
    case UnaryOp.SOFTPLUS: {
      const threshold = -13.942385152878742;
      if (x > -threshold) return x;
      if (x < threshold) return Math.exp(x);
      return Math.log(Math.exp(x) + 1);
    }
    case UnaryOp.ELU: return x >= 0 ? x : Math.exp(x) - 1;
    case UnaryOp.SELU: return x >= 0 ? 1.0507009873554805 * x : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(x) - 1);
    case UnaryOp.LEAKY_RELU: return x < 0 ? a * x : x;
    case UnaryOp.STEP: return Number.isNaN(x) ? x : x > 0 ? 1 : a;
    case UnaryOp.IS_NAN: return Number.isNaN(x) ? 1 : 0;
    case UnaryOp.IS_INF: return Math.abs(x) === Infinity ? 1 : 0;
    case UnaryOp.IS_FINITE: return Number.isFinite(x) ? 1 : 0;
    case UnaryOp.LOGICAL_NOT: return x === 0 ? 1 : 0;
    case UnaryOp.NOT_ZERO: return x !== 0 ? 1 : 0;
    case UnaryOp.CLIP: return Number.isNaN(x) ? x : Math.min(Math.max(x, a), b);
    case UnaryOp.AFFINE: return x * a + b;
    default: throw new Error(`prismer_cuda: unary: unknown opcode ${op}`);
  }
}

function binaryValue(op: number, a: number, b: number, intIn: boolean): number {
  switch (op) {
    case BinaryOp.ADD: return a + b;
    case BinaryOp.SUB: return a - b;
    case BinaryOp.MUL: return intIn ? Math.imul(a, b) : a * b;
    case BinaryOp.DIV: return a / b;
    case BinaryOp.FLOOR_DIV: return intIn && b === 0 ? 0 : Math.floor(a / b);
    case BinaryOp.MOD: {
      if (intIn && b === 0) return 0;
      const r = a % b;
      if ((a < 0 && b < 0) || (a >= 0 && b >= 0)) return r;
      return (r + b) % b;
    }
    case BinaryOp.MAX: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case BinaryOp.MIN: return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case BinaryOp.POW: return Math.pow(a, b);
    case BinaryOp.SQUARED_DIFFERENCE: return (a - b) * (a - b);
    case BinaryOp.ATAN2: return Math.atan2(a, b);
    case BinaryOp.EQUAL: return a === b ? 1 : 0;
    case BinaryOp.NOT_EQUAL: return a !== b ? 1 : 0;
    case BinaryOp.LESS: return a < b ? 1 : 0;
    case BinaryOp.LESS_EQUAL: return a <= b ? 1 : 0;
    case BinaryOp.GREATER: return a > b ? 1 : 0;
    case BinaryOp.GREATER_EQUAL: return a >= b ? 1 : 0;
    case BinaryOp.LOGICAL_AND: return a !== 0 && b !== 0 ? 1 : 0;
    case BinaryOp.LOGICAL_OR: return a !== 0 || b !== 0 ? 1 : 0;
    case BinaryOp.PRELU: return a < 0 ? b * a : a;
    default: throw new Error(`prismer_cuda: binary: unknown opcode ${op}`);
  }
}

function offsetOf(i: number, shape: readonly number[], strides: readonly number[]): number {
  let offset = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    offset += (i % shape[d]!) * strides[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return offset;
}

function extentOf(shape: readonly number[], strides: readonly number[], offset: number): number {
  if (shape.some((d) => d === 0)) return 0;
  return offset + shape.reduce((acc, d, k) => acc + (d - 1) * strides[k]!, 0) + 1;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The host reference addon. `launches` counts kernel calls (tests use it to see that work ran natively). */
export class HostCudaAddon implements CudaAddon {
  private readonly buffers = new Map<DeviceHandle, ArrayBuffer>();
  private next = 1;
  launches = 0;
  /** false: gemmBias declines, as a native addon built without cuBLASLt does, so callers take their fallback paths. */
  epilogues = true;
  tf32 = false;

  private buf(h: DeviceHandle, elements: number, what: string): ArrayBuffer {
    const b = this.buffers.get(h);
    if (!b) throw new Error(`prismer_cuda: ${what}: unknown device handle ${h}`);
    if (elements * 4 > b.byteLength) throw new Error(`prismer_cuda: ${what}: needs ${elements} elements, allocation holds ${b.byteLength / 4}`);
    return b;
  }

  private view(h: DeviceHandle, dtype: DeviceDType, elements: number, what: string): Float32Array | Int32Array {
    const b = this.buf(h, elements, what);
    return dtype === F32 ? new Float32Array(b) : new Int32Array(b);
  }

  private words(h: DeviceHandle, elements: number, what: string): Uint32Array {
    return new Uint32Array(this.buf(h, elements, what));
  }

  private checkShape(shape: number[], ...sets: number[][]): void {
    if (shape.length > MAX_RANK) throw new Error(`prismer_cuda: rank ${shape.length} exceeds ${MAX_RANK}`);
    for (const s of sets) if (s.length !== shape.length) throw new Error('prismer_cuda: strides and shape differ in rank');
  }

  deviceInfo(): CudaDeviceInfo {
    return { name: 'host reference (CPU)', computeCapability: '0.0', totalBytes: 0, freeBytes: 0, runtimeVersion: 0, cublasVersion: 0 };
  }
  alloc(bytes: number): DeviceHandle {
    const h = this.next++;
    this.buffers.set(h, new ArrayBuffer(bytes));
    return h;
  }
  free(handle: DeviceHandle): void {
    if (!this.buffers.delete(handle)) throw new Error(`prismer_cuda: free: unknown device handle ${handle}`);
  }
  upload(handle: DeviceHandle, values: Float32Array | Int32Array): void {
    new Uint32Array(this.buf(handle, values.length, 'upload')).set(new Uint32Array(values.buffer, values.byteOffset, values.length));
  }
  download(handle: DeviceHandle, out: Float32Array | Int32Array): void {
    new Uint32Array(out.buffer, out.byteOffset, out.length).set(new Uint32Array(this.buf(handle, out.length, 'download'), 0, out.length));
  }
  synchronize(): void {}
  memory(): { allocatedBytes: number; allocations: number } {
    let bytes = 0;
    for (const b of this.buffers.values()) bytes += b.byteLength;
    return { allocatedBytes: bytes, allocations: this.buffers.size };
  }
  setTF32(enabled: boolean): void {
    this.tf32 = enabled;
  }
  setDebugSync(): void {}

  fill(dtype: DeviceDType, out: DeviceHandle, n: number, value: number): void {
    this.launches++;
    this.view(out, dtype, n, 'fill').fill(value, 0, n);
  }
  unary(op: number, inType: DeviceDType, outType: DeviceDType, x: DeviceHandle, out: DeviceHandle, n: number, alpha: number, beta: number): void {
    this.launches++;
    const xs = this.view(x, inType, n, 'unary: x');
    const os = this.view(out, outType, n, 'unary: out');
    const a = f32(alpha), b = f32(beta);
    for (let i = 0; i < n; i++) os[i] = unaryValue(op, xs[i]!, a, b, inType !== F32);
  }
  binary(op: number, inType: DeviceDType, outType: DeviceDType, a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, shape: number[], aStrides: number[], bStrides: number[]): void {
    this.launches++;
    this.checkShape(shape, aStrides, bStrides);
    const n = sizeOf(shape);
    const as = this.view(a, inType, extentOf(shape, aStrides, 0), 'binary: a');
    const bs = this.view(b, inType, extentOf(shape, bStrides, 0), 'binary: b');
    const os = this.view(out, outType, n, 'binary: out');
    for (let i = 0; i < n; i++) os[i] = binaryValue(op, as[offsetOf(i, shape, aStrides)]!, bs[offsetOf(i, shape, bStrides)]!, inType !== F32);
  }
  binaryScalar(op: number, inType: DeviceDType, outType: DeviceDType, a: DeviceHandle, scalar: number, scalarFirst: boolean, out: DeviceHandle, n: number): void {
    this.launches++;
    const as = this.view(a, inType, n, 'binaryScalar: a');
    const os = this.view(out, outType, n, 'binaryScalar: out');
    const s = inType === F32 ? f32(scalar) : scalar | 0;
    for (let i = 0; i < n; i++) os[i] = scalarFirst ? binaryValue(op, s, as[i]!, inType !== F32) : binaryValue(op, as[i]!, s, inType !== F32);
  }
  select(cond: DeviceHandle, a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, shape: number[], condStrides: number[], aStrides: number[], bStrides: number[]): void {
    this.launches++;
    this.checkShape(shape, condStrides, aStrides, bStrides);
    const n = sizeOf(shape);
    const cs = new Int32Array(this.buf(cond, extentOf(shape, condStrides, 0), 'select: cond'));
    const as = this.words(a, extentOf(shape, aStrides, 0), 'select: a');
    const bs = this.words(b, extentOf(shape, bStrides, 0), 'select: b');
    const os = this.words(out, n, 'select: out');
    for (let i = 0; i < n; i++) os[i] = cs[offsetOf(i, shape, condStrides)] ? as[offsetOf(i, shape, aStrides)]! : bs[offsetOf(i, shape, bStrides)]!;
  }
  reduce(op: number, inType: DeviceDType, outType: DeviceDType, x: DeviceHandle, out: DeviceHandle, outer: number, inner: number): void {
    this.launches++;
    const xs = this.view(x, inType, outer * inner, 'reduce: x');
    const os = this.view(out, outType, outer, 'reduce: out');
    for (let r = 0; r < outer; r++) {
      const row = Array.from(xs.subarray(r * inner, (r + 1) * inner));
      let v: number;
      switch (op) {
        case ReduceOp.SUM: v = row.reduce((s, e) => s + e, 0); break;
        case ReduceOp.MEAN: v = inner === 0 ? 0 : row.reduce((s, e) => s + e, 0) / inner; break;
        case ReduceOp.PROD: v = row.reduce((s, e) => s * e, 1); break;
        case ReduceOp.MAX: v = inner === 0 ? 0 : row.reduce((s, e) => (Number.isNaN(e) || e > s ? e : s), -Infinity); break;
        case ReduceOp.MIN: v = inner === 0 ? 0 : row.reduce((s, e) => (Number.isNaN(e) || e < s ? e : s), Infinity); break;
        case ReduceOp.ANY: v = row.some((e) => e !== 0) ? 1 : 0; break;
        case ReduceOp.ALL: v = row.every((e) => e !== 0) ? 1 : 0; break;
        case ReduceOp.ARGMAX: case ReduceOp.ARGMIN: {
          let best = 0;
          for (let j = 1; j < inner; j++) if (op === ReduceOp.ARGMAX ? row[j]! > row[best]! : row[j]! < row[best]!) best = j;
          v = best;
          break;
        }
        default: throw new Error(`prismer_cuda: reduce: unknown opcode ${op}`);
      }
      os[r] = v;
    }
  }
  softmax(x: DeviceHandle, out: DeviceHandle, rows: number, cols: number): void {
    this.launches++;
    const xs = this.view(x, F32, rows * cols, 'softmax: x');
    const os = this.view(out, F32, rows * cols, 'softmax: out');
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, xs[r * cols + j]!);
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(xs[r * cols + j]! - m);
      for (let j = 0; j < cols; j++) os[r * cols + j] = Math.exp(xs[r * cols + j]! - m) / sum;
    }
  }
  layerNorm(x: DeviceHandle, gamma: DeviceHandle, beta: DeviceHandle, out: DeviceHandle, rows: number, cols: number, eps: number): void {
    this.launches++;
    const xs = this.view(x, F32, rows * cols, 'layerNorm: x');
    const g = this.view(gamma, F32, cols, 'layerNorm: gamma');
    const b = this.view(beta, F32, cols, 'layerNorm: beta');
    const os = this.view(out, F32, rows * cols, 'layerNorm: out');
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += xs[r * cols + j]!;
      const mean = sum / cols;
      let squares = 0;
      for (let j = 0; j < cols; j++) squares += (xs[r * cols + j]! - mean) ** 2;
      const inv = 1 / Math.sqrt(squares / cols + eps);
      for (let j = 0; j < cols; j++) os[r * cols + j] = (xs[r * cols + j]! - mean) * inv * g[j]! + b[j]!;
    }
  }
  scaleShift(x: DeviceHandle, scale: DeviceHandle, shift: DeviceHandle, out: DeviceHandle, n: number, channels: number, relu: boolean): void {
    this.launches++;
    if (n > 0 && (channels <= 0 || n % channels !== 0)) throw new Error(`prismer_cuda: scaleShift: ${n} elements are not rows of ${channels} channels`);
    const xs = this.view(x, F32, n, 'scaleShift: x');
    const sc = this.view(scale, F32, channels, 'scaleShift: scale');
    const sh = this.view(shift, F32, channels, 'scaleShift: shift');
    const os = this.view(out, F32, n, 'scaleShift: out');
    for (let i = 0; i < n; i++) {
      const y = Math.fround(Math.fround(xs[i]! * sc[i % channels]!) + sh[i % channels]!);
      os[i] = relu && y < 0 ? 0 : y;
    }
  }
  attention(q: DeviceHandle, k: DeviceHandle, v: DeviceHandle, mask: DeviceHandle, out: DeviceHandle, probs: DeviceHandle, p: number[], scale: number): void {
    this.launches++;
    if (p.length !== 25) throw new Error('prismer_cuda: attention: expected 25 parameters');
    const [B, H, Lq, Lk, d] = p as [number, number, number, number, number];
    if (!(B > 0 && H > 0 && Lq > 0 && Lk > 0 && d > 0)) throw new Error('prismer_cuda: attention: B, H, Lq, Lk and d must be positive');
    const view = (i: number, rows: number, handle: DeviceHandle, what: string) => {
      const [offset, sb, sh, sl] = p.slice(5 + 4 * i, 9 + 4 * i) as [number, number, number, number];
      if (sl < d) throw new Error(`prismer_cuda: ${what}: negative stride or row stride below the head width`);
      const data = this.view(handle, F32, offset + (B - 1) * sb + (H - 1) * sh + (rows - 1) * sl + d, what) as Float32Array;
      return { at: (b: number, h: number, l: number) => offset + b * sb + h * sh + l * sl, data };
    };
    const qv = view(0, Lq, q, 'attention: q'), kv = view(1, Lk, k, 'attention: k'), vv = view(2, Lk, v, 'attention: v'), ov = view(3, Lq, out, 'attention: out');
    const [mb, mh, mq, mk] = p.slice(21, 25) as [number, number, number, number];
    const ms = mask === 0 ? undefined : this.view(mask, F32, (B - 1) * mb + (H - 1) * mh + (Lq - 1) * mq + (Lk - 1) * mk + 1, 'attention: mask');
    // probs 0: not wanted, so scratch (as the native addon's GEMM path).
    const ps = probs === 0 ? new Float32Array(B * H * Lq * Lk) : this.view(probs, F32, B * H * Lq * Lk, 'attention: probs');
    const row = new Float64Array(Lk);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < Lq; i++) {
          let max = -Infinity;
          for (let j = 0; j < Lk; j++) {
            let s = 0;
            for (let t = 0; t < d; t++) s += qv.data[qv.at(b, h, i) + t]! * kv.data[kv.at(b, h, j) + t]!;
            s = Math.fround(scale * s);
            if (ms) s = Math.max(s + ms[b * mb + h * mh + i * mq + j * mk]!, -3.4028234663852886e38);
            row[j] = s;
            max = Math.max(max, s);
          }
          let sum = 0;
          for (let j = 0; j < Lk; j++) sum += Math.exp(row[j]! - max);
          const base = ((b * H + h) * Lq + i) * Lk;
          for (let j = 0; j < Lk; j++) ps[base + j] = Math.exp(row[j]! - max) / sum;
          for (let t = 0; t < d; t++) {
            let c = 0;
            for (let j = 0; j < Lk; j++) c += ps[base + j]! * vv.data[vv.at(b, h, j) + t]!;
            ov.data[ov.at(b, h, i) + t] = c;
          }
        }
      }
    }
  }
  copy(x: DeviceHandle, out: DeviceHandle, shape: number[], inStrides: number[], inOffset: number, outStrides: number[], outOffset: number): void {
    this.launches++;
    this.checkShape(shape, inStrides, outStrides);
    const n = sizeOf(shape);
    const xs = this.words(x, extentOf(shape, inStrides, inOffset), 'copy: x');
    const os = this.words(out, extentOf(shape, outStrides, outOffset), 'copy: out');
    for (let i = 0; i < n; i++) os[outOffset + offsetOf(i, shape, outStrides)] = xs[inOffset + offsetOf(i, shape, inStrides)]!;
  }
  gather(x: DeviceHandle, indices: DeviceHandle, out: DeviceHandle, outer: number, axisSize: number, inner: number, count: number): void {
    this.launches++;
    const xs = this.words(x, outer * axisSize * inner, 'gather: x');
    const is = new Int32Array(this.buf(indices, count, 'gather: indices'));
    const os = this.words(out, outer * count * inner, 'gather: out');
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < count; c++) {
        const idx = is[c]!;
        for (let j = 0; j < inner; j++) os[(o * count + c) * inner + j] = idx >= 0 && idx < axisSize ? xs[(o * axisSize + idx) * inner + j]! : 0;
      }
    }
  }
  gemm(a: DeviceHandle, b: DeviceHandle, out: DeviceHandle, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, strideC: number): void {
    this.launches++;
    const last = Math.max(0, batch - 1);
    const as = this.view(a, F32, batch ? last * strideA + m * k : 0, 'gemm: a');
    const bs = this.view(b, F32, batch ? last * strideB + k * n : 0, 'gemm: b');
    const cs = this.view(out, F32, batch ? last * strideC + m * n : 0, 'gemm: out');
    for (let p = 0; p < batch; p++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) {
            const av = as[p * strideA + (transA ? t * m + i : i * k + t)]!;
            const bv = bs[p * strideB + (transB ? j * k + t : t * n + j)]!;
            s += av * bv;
          }
          cs[p * strideC + i * n + j] = s;
        }
      }
    }
  }
  gemmBias(a: DeviceHandle, b: DeviceHandle, bias: DeviceHandle, out: DeviceHandle, m: number, n: number, k: number, transB: boolean, relu: boolean, residual: DeviceHandle): boolean {
    if (!this.epilogues) return false;
    // The residual is read before the product overwrites out (they may be the same buffer only if the caller errs).
    const rs = residual !== 0 ? Float32Array.from(this.view(residual, F32, m * n, 'gemmBias: residual')) : undefined;
    this.gemm(a, b, out, 1, m, n, k, false, transB, 0, 0, 0);
    const bs = this.view(bias, F32, n, 'gemmBias: bias');
    const cs = this.view(out, F32, m * n, 'gemmBias: out');
    for (let i = 0; i < m * n; i++) {
      const v = Math.fround(Math.fround(cs[i]! + (rs ? rs[i]! : 0)) + bs[i % n]!);
      cs[i] = relu && v < 0 ? 0 : v;
    }
    return true;
  }
  im2col(x: DeviceHandle, cols: DeviceHandle, p: number[]): void {
    this.launches++;
    const [N, H, W, C, KH, KW, SH, SW, PT, PL, DH, DW, OH, OW] = p as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
    const xs = this.view(x, F32, N * H * W * C, 'im2col: x');
    const rowLen = KH * KW * C;
    const cs = this.view(cols, F32, N * OH * OW * rowLen, 'im2col: cols');
    for (let row = 0; row < N * OH * OW; row++) {
      const ow = row % OW, oh = Math.floor(row / OW) % OH, b = Math.floor(row / (OW * OH));
      for (let col = 0; col < rowLen; col++) {
        const c = col % C, kw = Math.floor(col / C) % KW, kh = Math.floor(col / (C * KW));
        const ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
        cs[row * rowLen + col] = ih >= 0 && ih < H && iw >= 0 && iw < W ? xs[((b * H + ih) * W + iw) * C + c]! : 0;
      }
    }
  }
  resize(mode: number, dtype: DeviceDType, x: DeviceHandle, out: DeviceHandle, p: number[]): void {
    this.launches++;
    const [N, H, W, C, OH, OW, alignFlag, halfFlag] = p as [number, number, number, number, number, number, number, number];
    const align = alignFlag !== 0, half = halfFlag !== 0;
    const xs = this.view(x, dtype, N * H * W * C, 'resize: x');
    const os = this.view(out, dtype, N * OH * OW * C, 'resize: out');
    const rowRatio = (align && OH > 1 ? H - 1 : H) / (align && OH > 1 ? OH - 1 : OH);
    const colRatio = (align && OW > 1 ? W - 1 : W) / (align && OW > 1 ? OW - 1 : OW);
    let i = 0;
    for (let b = 0; b < N; b++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          for (let c = 0; c < C; c++) {
            const at = (y: number, xx: number) => xs[((b * H + y) * W + xx) * C + c]!;
            if (mode === 1) {
              const fy = half ? rowRatio * (oy + 0.5) : rowRatio * oy;
              const fx = half ? colRatio * (ox + 0.5) : colRatio * ox;
              let sy = Math.min(H - 1, align ? Math.round(fy) : Math.floor(fy));
              let sx = Math.min(W - 1, align ? Math.round(fx) : Math.floor(fx));
              if (half) { sy = Math.max(0, sy); sx = Math.max(0, sx); }
              os[i++] = at(sy, sx);
            } else {
              const fy = half ? rowRatio * (oy + 0.5) - 0.5 : rowRatio * oy;
              const fx = half ? colRatio * (ox + 0.5) - 0.5 : colRatio * ox;
              const y0 = Math.max(0, Math.floor(fy)), x0 = Math.max(0, Math.floor(fx));
              const y1 = Math.min(H - 1, Math.ceil(fy)), x1 = Math.min(W - 1, Math.ceil(fx));
              const dy = fy - y0, dx = fx - x0;
              const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * dx;
              const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * dx;
              os[i++] = top + (bottom - top) * dy;
            }
          }
        }
      }
    }
  }
  cumsum(dtype: DeviceDType, x: DeviceHandle, out: DeviceHandle, outer: number, inner: number, exclusive: boolean, reverse: boolean): void {
    this.launches++;
    const xs = this.view(x, dtype, outer * inner, 'cumsum: x');
    const os = this.view(out, dtype, outer * inner, 'cumsum: out');
    for (let r = 0; r < outer; r++) {
      let acc = 0;
      for (let t = 0; t < inner; t++) {
        const j = r * inner + (reverse ? inner - 1 - t : t);
        if (exclusive) { os[j] = acc; acc += xs[j]!; } else { acc += xs[j]!; os[j] = acc; }
      }
    }
  }
  topk(x: DeviceHandle, values: DeviceHandle, indices: DeviceHandle, rows: number, cols: number, k: number): void {
    this.launches++;
    if (k > cols) throw new Error('prismer_cuda: topk: k exceeds the row length');
    const xs = this.view(x, F32, rows * cols, 'topk: x');
    const vs = this.view(values, F32, rows * k, 'topk: values');
    const is = new Int32Array(this.buf(indices, rows * k, 'topk: indices'));
    for (let r = 0; r < rows; r++) {
      const order = Array.from({ length: cols }, (_, j) => j).sort((p, q) => xs[r * cols + q]! - xs[r * cols + p]! || p - q);
      for (let t = 0; t < k; t++) {
        vs[r * k + t] = xs[r * cols + order[t]!]!;
        is[r * k + t] = order[t]!;
      }
    }
  }
  oneHot(indices: DeviceHandle, out: DeviceHandle, n: number, depth: number, onValue: number, offValue: number, dtype: DeviceDType): void {
    this.launches++;
    const is = new Int32Array(this.buf(indices, n, 'oneHot: indices'));
    const os = this.view(out, dtype, n * depth, 'oneHot: out');
    for (let r = 0; r < n; r++) for (let d = 0; d < depth; d++) os[r * depth + d] = is[r] === d ? onValue : offValue;
  }
}
