/**
 * Colour maps and raster helpers for pictures drawn pixel by pixel (attention overlays, expert labels):
 * float maps in, 8-bit RGB out. Rasters are row-major, interleaved channels.
 */

/** An 8-bit raster (the same shape as lib/data's RasterU8). */
export interface RgbRaster {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export type ColormapName = 'viridis' | 'rainbow' | 'magma' | 'gray';

// Evenly spaced stops of matplotlib's viridis and magma (the same stops d3-scale-chromatic samples).
const VIRIDIS = ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'];
const MAGMA = ['#000004', '#140e36', '#3b0f70', '#641a80', '#8c2981', '#b73779', '#de4968', '#f7705c', '#fe9f6d', '#fecf92', '#fcfdbf'];

function hexStops(stops: readonly string[]): number[][] {
  return stops.map((s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16)));
}
const STOPS = { viridis: hexStops(VIRIDIS), magma: hexStops(MAGMA) };

/** Colour of `t` in [0, 1] (clamped; NaN → 0) as [r, g, b] bytes. */
export function colormapRgb(name: ColormapName, t: number): [number, number, number] {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  if (name === 'gray') {
    const v = Math.round(x * 255);
    return [v, v, v];
  }
  if (name === 'rainbow') {
    // matplotlib 'rainbow' (gnuplot functions 33, 13, 34): |2x - 0.5|, sin(pi x), cos(pi x / 2).
    const c = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    return [c(Math.abs(2 * x - 0.5)), c(Math.sin(Math.PI * x)), c(Math.cos((Math.PI * x) / 2))];
  }
  const stops = STOPS[name];
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** A 256-entry lookup table of a colour map, [256 × 3] bytes. */
export function colormapTable(name: ColormapName): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set(colormapRgb(name, i / 255), i * 3);
  return table;
}

/**
 * Bilinear upsampling of a `rows × cols` grid to `height × width` pixels with pixel centres aligned as
 * torch's `interpolate(align_corners=False)` (edges clamped), so a patch value sits over its patch.
 */
export function upsampleGrid(values: ArrayLike<number>, rows: number, cols: number, height: number, width: number): Float32Array {
  if (values.length !== rows * cols) throw new Error(`upsampleGrid: values: expected ${rows}×${cols} = ${rows * cols} numbers, got ${values.length}`);
  const out = new Float32Array(height * width);
  const coord = (dst: number, outSize: number, inSize: number): [number, number, number] => {
    const src = Math.max(0, ((dst + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.min(inSize - 1, Math.floor(src));
    const i1 = Math.min(inSize - 1, i0 + 1);
    return [i0, i1, src - i0];
  };
  const xs = Array.from({ length: width }, (_, x) => coord(x, width, cols));
  for (let y = 0; y < height; y++) {
    const [y0, y1, fy] = coord(y, height, rows);
    for (let x = 0; x < width; x++) {
      const [x0, x1, fx] = xs[x]!;
      const top = values[y0 * cols + x0]! * (1 - fx) + values[y0 * cols + x1]! * fx;
      const bottom = values[y1 * cols + x0]! * (1 - fx) + values[y1 * cols + x1]! * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Colours a float map with `name` after mapping [lo, hi] to [0, 1] (default: the map's own min and max). */
export function colorizeMap(values: ArrayLike<number>, width: number, height: number, name: ColormapName, range?: readonly [number, number]): RgbRaster {
  if (values.length !== width * height) throw new Error(`colorizeMap: values: expected ${width}×${height} = ${width * height} numbers, got ${values.length}`);
  let [lo, hi] = range ?? [Infinity, -Infinity];
  if (!range) for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) { lo = Math.min(lo, values[i]!); hi = Math.max(hi, values[i]!); }
  const span = hi > lo ? hi - lo : 1;
  const table = colormapTable(name);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const k = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, (v - (Number.isFinite(lo) ? lo : 0)) / span)) * 255) : 0;
    data[i * 3] = table[k * 3]!;
    data[i * 3 + 1] = table[k * 3 + 1]!;
    data[i * 3 + 2] = table[k * 3 + 2]!;
  }
  return { width, height, channels: 3, data };
}

/** `base · (1 − alpha) + top · alpha` per pixel; `alpha` is one number or one per pixel (0 keeps the base). */
export function blendRasters(base: RgbRaster, top: RgbRaster, alpha: number | ArrayLike<number>): RgbRaster {
  if (base.width !== top.width || base.height !== top.height || base.channels !== 3 || top.channels !== 3) {
    throw new Error(`blendRasters: expected two RGB rasters of one size, got ${base.width}×${base.height}×${base.channels} and ${top.width}×${top.height}×${top.channels}`);
  }
  const n = base.width * base.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = typeof alpha === 'number' ? alpha : alpha[i]!;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(base.data[i * 3 + c]! * (1 - a) + top.data[i * 3 + c]! * a);
  }
  return { width: base.width, height: base.height, channels: 3, data };
}

/** A distinct colour per class id (golden-angle hues, fixed saturation/lightness); deterministic. */
export function paletteColor(id: number): [number, number, number] {
  const hue = (id * 137.508) % 360;
  const [s, l] = id % 2 === 0 ? [0.75, 0.55] : [0.65, 0.45];
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = hue / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** `#rrggbb` of a colour. */
export function cssColor([r, g, b]: readonly [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** PNG bytes of a raster (sharp, loaded on first use). */
export async function rasterToPng(raster: RgbRaster): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const channels = raster.channels as 1 | 2 | 3 | 4;
  const buffer = await sharp(Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength), { raw: { width: raster.width, height: raster.height, channels } }).png().toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Decodes an image (bytes or path) to RGB, optionally resized to `width × height` (stretched, cubic). */
export async function decodeToRgb(image: Uint8Array | string, size?: { width: number; height: number }): Promise<RgbRaster> {
  const { default: sharp } = await import('sharp');
  let pipeline = sharp(typeof image === 'string' ? image : Buffer.from(image)).removeAlpha().toColourspace('srgb');
  if (size) pipeline = pipeline.resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'cubic' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decodeToRgb: ${typeof image === 'string' ? image : 'image bytes'}: expected 3 channels after decoding, got ${info.channels}`);
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
