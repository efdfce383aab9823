import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { BYTES_PER_ELEMENT, elementCount, typedFromBytes, typedView, type DType, type TensorRecord } from './tensor-record.js';

export interface SafetensorsFile {
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

const KNOWN_DTYPES = new Set(Object.keys(BYTES_PER_ELEMENT));

/** One tensor's entry in a safetensors header: where its bytes lie relative to the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

/** Validates the JSON header; `fileSize` bounds every tensor's bytes. */
function parseHeader(headerBytes: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${source}: header is not valid JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerBytes.byteLength;
  const entries: SafetensorsEntry[] = [];
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
    if (dataStart + end > fileSize) throw new Error(`${source}: tensor '${name}' runs past the end of the file (truncated?)`);
    entries.push({ name, dtype: dtype as DType, shape: [...shape], begin, end });
  }
  return { entries, metadata, dataStart };
}

function headerLengthOf(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) throw new Error(`${source}: not a safetensors file (only ${fileSize} bytes)`);
  const headerLength = Number(new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > fileSize - 8) {
    throw new Error(`${source}: header length ${headerLength} exceeds the file size ${fileSize} (truncated or not safetensors)`);
  }
  return headerLength;
}

/** Parses safetensors bytes (u64-LE header length, JSON header, raw little-endian data). `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const headerLength = headerLengthOf(bytes, bytes.byteLength, source);
  const { entries, metadata, dataStart } = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength, source);
  const tensors = new Map<string, TensorRecord>();
  for (const { name, dtype, shape, begin, end } of entries) {
    tensors.set(name, { dtype, shape, data: typedFromBytes(dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  return { tensors, metadata };
}

function readAt(fd: number, position: number, length: number, source: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new Error(`${source}: unexpected end of file at byte ${position + done} (truncated?)`);
    done += n;
  }
  return out;
}

/** Reads only the header of a safetensors file: names, dtypes, shapes and metadata, no tensor data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const headerLength = headerLengthOf(readAt(fd, 0, Math.min(8, size), path), size, path);
    return parseHeader(readAt(fd, 8, headerLength, path), size, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a safetensors file tensor by tensor (each into its own aligned buffer), so files larger than
 * one Node buffer (2 GiB) load as long as each tensor fits.
 */
export function readSafetensors(path: string): SafetensorsFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const headerLength = headerLengthOf(readAt(fd, 0, Math.min(8, size), path), size, path);
    const { entries, metadata, dataStart } = parseHeader(readAt(fd, 8, headerLength, path), size, path);
    const tensors = new Map<string, TensorRecord>();
    for (const { name, dtype, shape, begin, end } of entries) {
      tensors.set(name, { dtype, shape, data: typedView(dtype, readAt(fd, dataStart + begin, end - begin, path)) });
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
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
