/**
 * A fast decoder for the PNGs expert labels are stored as (8-bit, non-interlaced grey / RGB /
 * palette / with alpha), avoiding a libvips round trip per small label file. Anything else
 * (16-bit, sub-byte depths, interlaced) returns null and the caller falls back to sharp.
 */
import { inflateSync } from 'node:zlib';
import type { RasterU8 } from './pil-resize.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes `bytes`; palette images come back expanded to RGB. Null when the PNG is outside the fast path. */
export function decodePngFast(bytes: Uint8Array, source: string): RasterU8 | null {
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let width = 0; let height = 0; let colourType = -1;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (p + 8 <= bytes.length) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    const data = bytes.subarray(p + 8, p + 8 + length);
    if (p + 12 + length > bytes.length) throw new Error(`${source}: truncated PNG (chunk ${type} runs past the end)`);
    if (type === 'IHDR') {
      width = view.getUint32(p + 8);
      height = view.getUint32(p + 12);
      const depth = data[8];
      colourType = data[9];
      if (depth !== 8 || data[12] !== 0 || CHANNELS[colourType] === undefined) return null;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + length;
  }
  if (width === 0 || idat.length === 0) throw new Error(`${source}: truncated PNG or no image data (no IHDR/IDAT chunk)`);
  const channels = CHANNELS[colourType];
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  } catch (error) {
    throw new Error(`${source}: corrupt PNG data (${(error as Error).message})`);
  }
  if (raw.length < (stride + 1) * height) throw new Error(`${source}: PNG data too short for ${width}x${height}`);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x];
      const a = x >= channels ? out[row + x - channels] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= channels && y > 0 ? out[prev + x - channels] : 0;
      let r: number;
      switch (filter) {
        case 0: r = v; break;
        case 1: r = v + a; break;
        case 2: r = v + b; break;
        case 3: r = v + ((a + b) >> 1); break;
        case 4: r = v + paeth(a, b, c); break;
        default: throw new Error(`${source}: bad PNG filter type ${filter} in row ${y}`);
      }
      out[row + x] = r & 255;
    }
  }
  if (colourType !== 3) return { width, height, channels, data: out };
  if (!palette) throw new Error(`${source}: palette PNG without PLTE chunk`);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const k = out[i] * 3;
    rgb[i * 3] = palette[k] ?? 0; rgb[i * 3 + 1] = palette[k + 1] ?? 0; rgb[i * 3 + 2] = palette[k + 2] ?? 0;
  }
  return { width, height, channels: 3, data: rgb };
}
