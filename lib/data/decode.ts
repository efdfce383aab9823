/**
 * Image and label decoding with sharp, matching PIL's pixels: no colour-profile conversion
 * (`keepIccProfile`, as PIL's `Image.open(...).convert('RGB')` ignores embedded profiles), no
 * auto-rotation (PIL does not apply EXIF orientation), alpha dropped, grey replicated, and
 * RGB -> L with PIL's fixed-point ITU-R 601-2 luma.
 */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import type { RasterU8 } from './pil-resize.js';
import { decodePngFast } from './png-decode.js';

async function decodeRaw(input: string | Uint8Array, source: string): Promise<RasterU8> {
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? readFileSync(input) : input;
  } catch (error) {
    throw new Error(`${source}: cannot read image (${(error as Error).message})`);
  }
  const png = decodePngFast(bytes, source);
  if (png) return png;
  try {
    const { data, info } = await sharp(bytes, { failOn: 'none' }).keepIccProfile().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new Error(`${source}: cannot decode image (${(error as Error).message})`);
  }
}

/** PIL `convert('RGB')`: 1/2-channel grey replicated, alpha dropped. */
export function toRgb(raster: RasterU8): RasterU8 {
  const { width, height, channels, data } = raster;
  if (channels === 3) return raster;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, n = width * height; i < n; i++) {
    if (channels <= 2) {
      const g = data[i * channels];
      out[i * 3] = g; out[i * 3 + 1] = g; out[i * 3 + 2] = g;
    } else {
      out[i * 3] = data[i * channels]; out[i * 3 + 1] = data[i * channels + 1]; out[i * 3 + 2] = data[i * channels + 2];
    }
  }
  return { width, height, channels: 3, data: out };
}

/** PIL `convert('L')`: grey kept, colour -> (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
export function toGrey(raster: RasterU8): RasterU8 {
  const { width, height, channels, data } = raster;
  if (channels === 1) return raster;
  const out = new Uint8Array(width * height);
  for (let i = 0, n = width * height; i < n; i++) {
    if (channels <= 2) out[i] = data[i * channels];
    else {
      const p = i * channels;
      out[i] = (data[p] * 19595 + data[p + 1] * 38470 + data[p + 2] * 7471 + 0x8000) >>> 16;
    }
  }
  return { width, height, channels: 1, data: out };
}

/** Decodes a JPEG/PNG/WebP file or buffer to packed RGB u8 (HWC). */
export async function decodeRgb(input: string | Uint8Array, source = typeof input === 'string' ? input : 'image buffer'): Promise<RasterU8> {
  return toRgb(await decodeRaw(input, source));
}

/** Decodes a label image to one channel (PIL mode 'L'). */
export async function decodeGrey(input: string | Uint8Array, source = typeof input === 'string' ? input : 'label buffer'): Promise<RasterU8> {
  return toGrey(await decodeRaw(input, source));
}

/** Reads only the size of an image file (no pixel decode). */
export async function imageSize(input: string | Uint8Array): Promise<{ width: number; height: number }> {
  const meta = await sharp(input).metadata();
  if (!meta.width || !meta.height) throw new Error(`${typeof input === 'string' ? input : 'image buffer'}: cannot read the image size`);
  return { width: meta.width, height: meta.height };
}

/** sharp's cubic resize (`kernel: 'cubic'`, `fit: 'fill'`), the fast non-PIL alternative to `resizePil`. */
export async function resizeSharpCubic(src: RasterU8, width: number, height: number): Promise<RasterU8> {
  const { data, info } = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: src.channels as 1 | 2 | 3 | 4 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
