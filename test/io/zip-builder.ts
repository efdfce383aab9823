// Test helper: writes small zip archives (stored or deflated entries, optionally with zip64 records)
// so the zip and torch readers can be tested on archives with known layouts and on damaged ones.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

export function buildZip(entries: ZipInput[], options: { zip64?: boolean } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const encoder = new TextEncoder();
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const body = entry.deflate ? new Uint8Array(deflateRawSync(entry.data)) : entry.data;
    const crc = crc32(entry.data) >>> 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, entry.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, entry.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = options.zip64 ? new Uint8Array(4 + 24) : new Uint8Array(0);
    if (options.zip64) {
      const ev = new DataView(extra.buffer);
      ev.setUint16(0, 1, true);
      ev.setUint16(2, 24, true);
      ev.setBigUint64(4, BigInt(entry.data.length), true);
      ev.setBigUint64(12, BigInt(body.length), true);
      ev.setBigUint64(20, BigInt(offset), true);
    }
    const record = new Uint8Array(46 + name.length + extra.length);
    const cv = new DataView(record.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, entry.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, options.zip64 ? 0xffffffff : body.length, true);
    cv.setUint32(24, options.zip64 ? 0xffffffff : entry.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, options.zip64 ? 0xffffffff : offset, true);
    record.set(name, 46);
    record.set(extra, 46 + name.length);
    chunks.push(local, body);
    central.push(record);
    offset += local.length + body.length;
  }
  const directoryOffset = offset;
  const directorySize = central.reduce((n, c) => n + c.length, 0);
  chunks.push(...central);
  if (options.zip64) {
    const record = new Uint8Array(56);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setBigUint64(24, BigInt(entries.length), true);
    rv.setBigUint64(32, BigInt(entries.length), true);
    rv.setBigUint64(40, BigInt(directorySize), true);
    rv.setBigUint64(48, BigInt(directoryOffset), true);
    const locator = new Uint8Array(20);
    const lv = new DataView(locator.buffer);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(directoryOffset + directorySize), true);
    lv.setUint32(16, 1, true);
    chunks.push(record, locator);
  }
  const end = new Uint8Array(22);
  const dv = new DataView(end.buffer);
  dv.setUint32(0, 0x06054b50, true);
  dv.setUint16(8, options.zip64 ? 0xffff : entries.length, true);
  dv.setUint16(10, options.zip64 ? 0xffff : entries.length, true);
  dv.setUint32(12, options.zip64 ? 0xffffffff : directorySize, true);
  dv.setUint32(16, options.zip64 ? 0xffffffff : directoryOffset, true);
  chunks.push(end);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
