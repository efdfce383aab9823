import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint } from '../../lib/io/checkpoint.js';
import { readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors } from '../../lib/io/safetensors.js';
import type { TensorRecord } from '../../lib/io/tensor-record.js';

const dir = mkdtempSync(join(tmpdir(), 'prismer-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RECORDS: Record<string, TensorRecord> = {
  f32: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, NaN, Infinity, -0]) },
  f64: { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
  f16: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0x7c00, 0x0001]) },
  bf16: { dtype: 'BF16', shape: [1, 2], data: new Uint16Array([0x3f80, 0xc049]) },
  i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(1n << 62n), 42n]) },
  i32: { dtype: 'I32', shape: [], data: new Int32Array([-7]) },
  i16: { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) },
  i8: { dtype: 'I8', shape: [1], data: new Int8Array([-128]) },
  u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
  bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
  empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
};

const bytesOf = (r: TensorRecord) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);

test('safetensors write → read roundtrip keeps every dtype, shape, value bit and the metadata', () => {
  const path = join(dir, 'all.safetensors');
  writeSafetensors(path, RECORDS, { format: 'pt', note: 'roundtrip' });
  const back = readSafetensors(path);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'roundtrip' });
  assert.deepEqual([...back.tensors.keys()], Object.keys(RECORDS));
  for (const [name, record] of Object.entries(RECORDS)) {
    const got = back.tensors.get(name)!;
    assert.equal(got.dtype, record.dtype, name);
    assert.deepEqual(got.shape, record.shape, name);
    assert.deepEqual(bytesOf(got), bytesOf(record), name);
  }
  const raw = readFileSync(path);
  const headerLength = Number(raw.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned');
  assert.equal(readCheckpoint(path).size, Object.keys(RECORDS).length, 'readCheckpoint recognises safetensors by content');
  const header = readSafetensorsHeader(path);
  assert.equal(header.dataStart, 8 + headerLength);
  assert.deepEqual(header.entries.map((e) => [e.name, e.dtype, e.shape]), Object.entries(RECORDS).map(([n, r]) => [n, r.dtype, r.shape]));
  assert.deepEqual(header.metadata, { format: 'pt', note: 'roundtrip' });
});

test('the tiny superset re-serialises its data section byte for byte', () => {
  const path = 'test/fixtures/parity/weights/prismer_tiny_superset.safetensors';
  const original = readFileSync(path);
  const { tensors, metadata } = readSafetensors(path);
  assert.deepEqual(Buffer.from(serializeSafetensors(tensors, metadata)).subarray(8 + Number(original.readBigUInt64LE(0))), original.subarray(8 + Number(original.readBigUInt64LE(0))));
});

test('damaged safetensors files give one-line errors naming the file', () => {
  const good = serializeSafetensors(RECORDS);
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, good.subarray(0, good.length - 10));
  assert.throws(() => readSafetensors(truncated), /truncated\.safetensors: tensor '\w+' runs past the end of the file \(truncated\?\)/);
  assert.throws(() => serializeSafetensors({ bad: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /tensor 'bad': 8 bytes of data for F32\[3\] \(expected 12\)/);
});
