import { BYTES_PER_ELEMENT, elementCount, typedView, type DType, type TensorRecord, type TypedData } from './tensor-record.js';

/** One storage of a torch archive: raw little-endian bytes of `numel` elements of `dtype`. */
export interface TorchStorage {
  key: string;
  dtype: DType;
  numel: number;
  /** The storage's elements; shared by every tensor that covers the whole storage (tied weights). */
  data: TypedData;
}

/**
 * Builds a C-order TensorRecord from a strided view of a storage (torch's `as_strided`). A tensor that
 * covers its whole storage contiguously shares the storage's typed array (no copy, so tied weights
 * cost their memory once); any other view is copied out element by element.
 */
export function tensorFromStorage(storage: TorchStorage, offset: number, shape: number[], stride: number[], what: string): TensorRecord {
  if (shape.length !== stride.length) throw new Error(`${what}: size [${shape.join(', ')}] and stride [${stride.join(', ')}] differ in rank`);
  for (let d = 0; d < shape.length; d++) {
    if (!Number.isInteger(shape[d]) || shape[d]! < 0) throw new Error(`${what}: size [${shape.join(', ')}] is not a list of non-negative integers`);
    if (!Number.isInteger(stride[d]) || stride[d]! < 0) throw new Error(`${what}: stride [${stride.join(', ')}] is not a list of non-negative integers`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`${what}: storage offset ${offset} is not a non-negative integer`);
  const count = elementCount(shape);
  if (count > 0) {
    let last = offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
    if (last >= storage.numel) {
      throw new Error(`${what}: view (offset ${offset}, size [${shape.join(', ')}], stride [${stride.join(', ')}]) reaches element ${last} of storage '${storage.key}' with ${storage.numel} elements`);
    }
  }
  if (offset === 0 && count === storage.numel && isContiguous(shape, stride)) {
    return { dtype: storage.dtype, shape: [...shape], data: storage.data };
  }
  return { dtype: storage.dtype, shape: [...shape], data: gatherStrided(storage, offset, shape, stride, count) };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** Copies elements as raw bit patterns (words of the element width), so NaN payloads and -0 survive. */
function gatherStrided(storage: TorchStorage, offset: number, shape: number[], stride: number[], count: number): TypedData {
  const width = BYTES_PER_ELEMENT[storage.dtype];
  const src = storage.data;
  const srcBytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const outBytes = new Uint8Array(count * width);
  const words = width === 8 ? 2 : 1;
  const wordOf = (bytes: Uint8Array): Uint8Array | Uint16Array | Uint32Array => {
    if (width === 1) return bytes;
    if (width === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  const from = wordOf(srcBytes);
  const to = wordOf(outBytes);
  const rank = shape.length;
  if (rank === 0) {
    for (let w = 0; w < words; w++) to[w] = from[offset * words + w]!;
    return typedView(storage.dtype, outBytes);
  }
  const inner = shape[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let out = 0;
  let base = offset;
  for (let row = 0; row < count / Math.max(inner, 1) && inner > 0; row++) {
    if (innerStride === 1 && words === 1) {
      to.set(from.subarray(base, base + inner), out);
      out += inner;
    } else {
      for (let i = 0; i < inner; i++) {
        const at = (base + i * innerStride) * words;
        for (let w = 0; w < words; w++) to[out * words + w] = from[at + w]!;
        out++;
      }
    }
    // Advance the outer index like an odometer, keeping `base` = offset + Σ index·stride.
    for (let d = rank - 2; d >= 0; d--) {
      index[d] = index[d]! + 1;
      base += stride[d]!;
      if (index[d]! < shape[d]!) break;
      base -= index[d]! * stride[d]!;
      index[d] = 0;
    }
  }
  return typedView(storage.dtype, outBytes);
}
