import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { memoryByteSource, withZip, ZipReader } from '../../lib/io/zip.js';
import { buildZip } from './zip-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'prismer-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = new TextEncoder().encode('hello prismer '.repeat(50));
const binary = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);

test('reads stored and deflated entries', () => {
  const path = join(dir, 'mixed.zip');
  writeFileSync(path, buildZip([{ name: 'a/stored.bin', data: binary }, { name: 'a/deflated.txt', data: text, deflate: true }]));
  withZip(path, (zip) => {
    assert.deepEqual([...zip.entries.keys()], ['a/stored.bin', 'a/deflated.txt']);
    assert.equal(zip.entries.get('a/deflated.txt')!.method, 8);
    assert.ok(zip.entries.get('a/deflated.txt')!.compressedSize < text.length);
    assert.deepEqual(zip.read('a/stored.bin'), binary);
    assert.deepEqual(zip.read('a/deflated.txt'), text);
  });
});

test('reads zip64 directories and extra fields', () => {
  const zip = ZipReader.fromSource(memoryByteSource(buildZip([{ name: 'x', data: binary }, { name: 'y', data: text, deflate: true }], { zip64: true })), 'z64');
  assert.equal(zip.entries.get('y')!.size, text.length);
  assert.deepEqual(zip.read('x'), binary);
  assert.deepEqual(zip.read('y'), text);
});

test('a truncated archive gives a one-line error naming the file', () => {
  const whole = buildZip([{ name: 'a/data.bin', data: binary }]);
  const path = join(dir, 'truncated.zip');
  writeFileSync(path, whole.subarray(0, whole.length - 30));
  assert.throws(() => ZipReader.open(path), (error: Error) => {
    assert.match(error.message, /truncated\.zip: not a readable zip archive: no end-of-central-directory record \(truncated or corrupt\?\)/);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
});

test('a real checkpoint cut in half is reported as truncated', () => {
  const bytes = readFileSync('test/fixtures/parity/ops/format_probe.pt');
  const path = join(dir, 'half.pt');
  writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
  assert.throws(() => ZipReader.open(path), /half\.pt: not a readable zip archive: .*truncated/);
});

test('a damaged entry fails its CRC check', () => {
  const bytes = buildZip([{ name: 'a/data.bin', data: binary }]);
  bytes[30 + 'a/data.bin'.length + 10] ^= 0xff;
  const zip = ZipReader.fromSource(memoryByteSource(bytes), 'damaged.zip');
  assert.throws(() => zip.read('a/data.bin'), /damaged\.zip: zip entry 'a\/data\.bin' fails its CRC-32 check/);
});

test('an entry whose data runs past the end is reported', () => {
  const whole = buildZip([{ name: 'big', data: binary }]);
  // Keep the directory but cut the entry's data: splice out 100 bytes of the body and fix the offsets.
  const cut = new Uint8Array(whole.length - 100);
  cut.set(whole.subarray(0, 30 + 3 + 500));
  cut.set(whole.subarray(30 + 3 + 600), 30 + 3 + 500);
  const view = new DataView(cut.buffer);
  const eocd = cut.length - 22;
  view.setUint32(eocd + 16, view.getUint32(eocd + 16, true) - 100, true);
  const zip = ZipReader.fromSource(memoryByteSource(cut), 'cut.zip');
  assert.throws(() => zip.read('big'), /cut\.zip: zip entry 'big' (fails its CRC-32 check|needs .* bytes)/);
});

test('missing entries and non-zip files are named', () => {
  const zip = ZipReader.fromSource(memoryByteSource(buildZip([{ name: 'a', data: binary }])), 'one.zip');
  assert.throws(() => zip.read('b'), /one\.zip: zip has no entry 'b'/);
  assert.throws(() => ZipReader.fromSource(memoryByteSource(new Uint8Array(10)), 'tiny'), /tiny: not a readable zip archive: only 10 bytes/);
});
