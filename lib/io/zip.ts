import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * A minimal read-only zip reader, enough for `torch.save` archives: stored and deflated entries,
 * zip64 sizes and offsets, CRC-32 checked on every read. Entries are read on demand from the file
 * descriptor, so checkpoints larger than one Node buffer (2 GiB) still open.
 */

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

/** Random access to the bytes of a zip archive (a file, or bytes already in memory). */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export function fileByteSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new Error(`${path}: unexpected end of file at byte ${offset + done} (truncated?)`);
        done += n;
      }
      return out;
    },
    close() {
      closeSync(fd);
    },
  };
}

export function memoryByteSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read(offset, length) {
      if (offset + length > bytes.byteLength) throw new Error(`read of ${length} bytes at ${offset} runs past the end (${bytes.byteLength} bytes)`);
      return bytes.slice(offset, offset + length);
    },
    close() {},
  };
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function u64(view: DataView, offset: number): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`64-bit field ${value} is too large`);
  return Number(value);
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();

  private constructor(private readonly source: ByteSource, readonly label: string) {}

  /** Opens a zip file; the caller closes it (or use `withZip`). */
  static open(path: string): ZipReader {
    const source = fileByteSource(path);
    try {
      return ZipReader.fromSource(source, path);
    } catch (error) {
      source.close();
      throw error;
    }
  }

  static fromSource(source: ByteSource, label: string): ZipReader {
    const reader = new ZipReader(source, label);
    reader.readCentralDirectory();
    return reader;
  }

  close(): void {
    this.source.close();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The uncompressed bytes of one entry (CRC-checked). */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${this.label}: zip has no entry '${name}'`);
    const fail = (what: string): never => {
      throw new Error(`${this.label}: zip entry '${name}' ${what} (truncated or corrupt zip)`);
    };
    if (entry.localHeaderOffset + 30 > this.source.size) fail('starts past the end of the file');
    const header = this.source.read(entry.localHeaderOffset, 30);
    const view = new DataView(header.buffer, header.byteOffset, 30);
    if (view.getUint32(0, true) !== LOCAL_SIGNATURE) fail('has no local file header');
    const dataStart = entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    if (dataStart + entry.compressedSize > this.source.size) fail(`needs ${entry.compressedSize} bytes at ${dataStart} but the file has ${this.source.size}`);
    const raw = this.source.read(dataStart, entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === 0) {
      data = raw;
    } else if (entry.method === 8) {
      try {
        const inflated = inflateRawSync(raw);
        data = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      } catch (error) {
        return fail(`does not inflate (${(error as Error).message})`);
      }
    } else {
      throw new Error(`${this.label}: zip entry '${name}' uses compression method ${entry.method} (only stored and deflate are supported)`);
    }
    if (data.byteLength !== entry.size) fail(`has ${data.byteLength} bytes, the directory says ${entry.size}`);
    if (crc32(data) >>> 0 !== entry.crc32) fail('fails its CRC-32 check');
    return data;
  }

  private readCentralDirectory(): void {
    const { size } = this.source;
    const fail = (what: string): never => {
      throw new Error(`${this.label}: not a readable zip archive: ${what} (truncated or corrupt?)`);
    };
    if (size < 22) fail(`only ${size} bytes`);
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535 bytes.
    const tailLength = Math.min(size, 22 + 65535);
    const tailStart = size - tailLength;
    const tail = this.source.read(tailStart, tailLength);
    const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tailView.getUint32(i, true) === EOCD_SIGNATURE && i + 22 + tailView.getUint16(i + 20, true) <= tailLength) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) fail('no end-of-central-directory record');
    let count = tailView.getUint16(eocd + 10, true);
    let directorySize = tailView.getUint32(eocd + 12, true);
    let directoryOffset = tailView.getUint32(eocd + 16, true);
    const locator = eocd - 20;
    if (locator >= 0 && tailView.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
      const recordOffset = u64(tailView, locator + 8);
      if (recordOffset + 56 > size) fail('zip64 end record lies past the end of the file');
      const record = this.source.read(recordOffset, 56);
      const view = new DataView(record.buffer, record.byteOffset, 56);
      if (view.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) fail('bad zip64 end record');
      count = u64(view, 32);
      directorySize = u64(view, 40);
      directoryOffset = u64(view, 48);
    }
    if (directoryOffset + directorySize > size) fail(`central directory (${directorySize} bytes at ${directoryOffset}) lies past the end of the file (${size} bytes)`);
    const directory = this.source.read(directoryOffset, directorySize);
    const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
    const decoder = new TextDecoder();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > directorySize || view.getUint32(p, true) !== CENTRAL_SIGNATURE) fail(`central directory entry ${i} is damaged`);
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      if (p + 46 + nameLength + extraLength + commentLength > directorySize) fail(`central directory entry ${i} is cut off`);
      const entry: ZipEntry = {
        name: decoder.decode(directory.subarray(p + 46, p + 46 + nameLength)),
        method: view.getUint16(p + 10, true),
        crc32: view.getUint32(p + 16, true),
        compressedSize: view.getUint32(p + 20, true),
        size: view.getUint32(p + 24, true),
        localHeaderOffset: view.getUint32(p + 42, true),
      };
      this.applyZip64Extra(entry, view, p + 46 + nameLength, extraLength);
      this.entries.set(entry.name, entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Fields saturated at 0xffffffff are stored, in this order, in the zip64 extra field (id 1). */
  private applyZip64Extra(entry: ZipEntry, view: DataView, start: number, length: number): void {
    const MAX = 0xffffffff;
    let q = start;
    while (q + 4 <= start + length) {
      const id = view.getUint16(q, true);
      const fieldLength = view.getUint16(q + 2, true);
      if (id === 1) {
        let r = q + 4;
        if (entry.size === MAX) { entry.size = u64(view, r); r += 8; }
        if (entry.compressedSize === MAX) { entry.compressedSize = u64(view, r); r += 8; }
        if (entry.localHeaderOffset === MAX) { entry.localHeaderOffset = u64(view, r); }
        return;
      }
      q += 4 + fieldLength;
    }
  }
}

/** Opens `path` as a zip, runs `body`, and closes the file. */
export function withZip<T>(path: string, body: (zip: ZipReader) => T): T {
  const zip = ZipReader.open(path);
  try {
    return body(zip);
  } finally {
    zip.close();
  }
}
