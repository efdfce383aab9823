import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { BYTES_PER_ELEMENT, elementCount, typedFromBytes, type DType, type TensorRecord } from './tensor-record.js';

export interface SafetensorsFile {
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

const KNOWN_DTYPES = new Set(Object.keys(BYTES_PER_ELEMENT));

/** Parses safetensors bytes (u64-LE header length, JSON header, raw little-endian data). `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  if (bytes.byteLength < 8) throw new Error(`${source}: not a safetensors file (only ${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) {
    throw new Error(`${source}: header length ${headerLength} exceeds the file size ${bytes.byteLength} (truncated or not safetensors)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${source}: header is not valid JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, TensorRecord>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!KNOWN_DTYPES.has(dtype)) throw new Error(`${source}: tensor '${name}' has unsupported dtype '${dtype}'`);
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw new Error(`${source}: tensor '${name}' needs 'shape' and 'data_offsets' [begin, end]`);
    }
    const [begin, end] = offsets;
    const expected = elementCount(shape) * BYTES_PER_ELEMENT[dtype as DType];
    if (end - begin !== expected) {
      throw new Error(`${source}: tensor '${name}' has ${end - begin} bytes, expected ${expected} for ${dtype}[${shape.join(', ')}]`);
    }
    if (dataStart + end > bytes.byteLength) throw new Error(`${source}: tensor '${name}' runs past the end of the file (truncated?)`);
    tensors.set(name, { dtype: dtype as DType, shape: [...shape], data: typedFromBytes(dtype as DType, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readFileSync(path), path);
}

/** Serialises tensors in safetensors layout (header padded with spaces to 8 bytes, data in insertion order). */
export function serializeSafetensors(tensors: Map<string, TensorRecord> | Record<string, TensorRecord>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, record] of entries) {
    const length = elementCount(record.shape) * BYTES_PER_ELEMENT[record.dtype];
    if (record.data.byteLength !== length) {
      throw new Error(`tensor '${name}': ${record.data.byteLength} bytes of data for ${record.dtype}[${record.shape.join(', ')}] (expected ${length})`);
    }
    header[name] = { dtype: record.dtype, shape: record.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const [, record] of entries) {
    out.set(new Uint8Array(record.data.buffer, record.data.byteOffset, record.data.byteLength), position);
    position += record.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically. */
export function writeSafetensors(path: string, tensors: Map<string, TensorRecord> | Record<string, TensorRecord>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
