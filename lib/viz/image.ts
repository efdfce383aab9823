import { readFileSync } from 'node:fs';

/** An encoded image the notebook can show as is. */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';

/** Recognises PNG, JPEG, GIF, WebP and SVG from their first bytes; null for anything else. */
export function sniffImageMime(bytes: Uint8Array): ImageMime | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) return 'image/webp';
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml';
  return null;
}

/** Encoded image bytes (or a path to an image file) as a `data:` URL, for image marks and HTML. */
export function imageDataUrl(image: Uint8Array | string): string {
  const bytes = typeof image === 'string' ? readFileSync(image) : image;
  const mime = sniffImageMime(bytes);
  if (!mime) throw new Error(`imageDataUrl: ${typeof image === 'string' ? image : 'bytes'}: expected PNG, JPEG, GIF, WebP or SVG data`);
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** Pixel width and height of a PNG, GIF or JPEG from its header, without decoding it. */
export function encodedImageSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mime = sniffImageMime(bytes);
  if (mime === 'image/png' && bytes.byteLength >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (mime === 'image/gif' && bytes.byteLength >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (mime === 'image/jpeg') {
    let offset = 2;
    while (offset + 9 < bytes.byteLength) {
      if (bytes[offset] !== 0xff) break;
      const marker = bytes[offset + 1]!;
      const length = view.getUint16(offset + 2);
      // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
      }
      offset += 2 + length;
    }
  }
  throw new Error('encodedImageSize: expected a PNG, GIF or baseline/progressive JPEG header');
}

/**
 * A smaller JPEG of an image (longest side `maxSize` pixels, never enlarged), for grids and tables:
 * a notebook embeds every picture twice (vega-lite JSON and SVG), so full-size photos add up fast.
 */
export async function imageThumbnail(image: Uint8Array | string, maxSize = 256): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const input = typeof image === 'string' ? readFileSync(image) : image;
  return sharp(input).resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
}
