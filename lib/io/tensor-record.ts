/** Element types the checkpoint readers and writers understand (safetensors spelling). */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type TypedData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * A host tensor as stored in a file, before it becomes a tfjs tensor. `data` is C-order (row-major);
 * F16 and BF16 keep their raw 16-bit patterns in a Uint16Array (convert with `toFloat32`).
 */
export interface TensorRecord {
  dtype: DType;
  shape: number[];
  data: TypedData;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds a typed array of `dtype` over a copy of little-endian `bytes`. */
export function typedFromBytes(dtype: DType, bytes: Uint8Array): TypedData {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const buffer = copy.buffer;
  switch (dtype) {
    case 'F64': return new Float64Array(buffer);
    case 'F32': return new Float32Array(buffer);
    case 'F16': case 'BF16': return new Uint16Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'I16': return new Int16Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'U8': case 'BOOL': return copy;
  }
}

/**
 * Like `typedFromBytes` but without the copy when `bytes` are suitably aligned: the result shares
 * memory with `bytes`, so use it only for bytes nobody else holds (fresh reads from a file).
 */
export function typedView(dtype: DType, bytes: Uint8Array): TypedData {
  const width = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteOffset % width !== 0) return typedFromBytes(dtype, bytes);
  const { buffer, byteOffset, byteLength } = bytes;
  const length = byteLength / width;
  switch (dtype) {
    case 'F64': return new Float64Array(buffer, byteOffset, length);
    case 'F32': return new Float32Array(buffer, byteOffset, length);
    case 'F16': case 'BF16': return new Uint16Array(buffer, byteOffset, length);
    case 'I64': return new BigInt64Array(buffer, byteOffset, length);
    case 'I32': return new Int32Array(buffer, byteOffset, length);
    case 'I16': return new Int16Array(buffer, byteOffset, length);
    case 'I8': return new Int8Array(buffer, byteOffset, length);
    case 'U8': case 'BOOL': return bytes;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The values as float32 (exact for F16/BF16; int64 beyond 2^24 loses precision as in torch's `.float()`). */
export function toFloat32(record: TensorRecord): Float32Array {
  const { dtype, data } = record;
  if (dtype === 'F32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'F16') {
    const raw = data as Uint16Array;
    for (let i = 0; i < raw.length; i++) out[i] = halfToFloat(raw[i]!);
  } else if (dtype === 'BF16') {
    const raw = data as Uint16Array;
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < raw.length; i++) bits[i] = raw[i]! << 16;
  } else if (dtype === 'I64') {
    const raw = data as BigInt64Array;
    for (let i = 0; i < raw.length; i++) out[i] = Number(raw[i]!);
  } else {
    const raw = data as Exclude<TypedData, BigInt64Array>;
    for (let i = 0; i < raw.length; i++) out[i] = raw[i]!;
  }
  return out;
}

/** The values as int32 (for ids, masks and labels); throws if a value does not fit. */
export function toInt32(record: TensorRecord, name = 'tensor'): Int32Array {
  const { dtype, data } = record;
  if (dtype === 'I32') return data as Int32Array;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = Number(data[i]!);
    if (!Number.isInteger(value) || value > 2147483647 || value < -2147483648) {
      throw new Error(`${name}: element ${i} (${value}) is not an int32 value`);
    }
    out[i] = value;
  }
  return out;
}
