import type { VegaLiteSpec } from '../render.js';
import { imageDataUrl, encodedImageSize } from '../image.js';

/** A box drawn over an image, in the image's own pixel coordinates (e.g. a detection). */
export interface GridBox {
  x: number;
  y: number;
  width: number;
  height: number;
  label?: string;
  color?: string;
}

/** One picture in the grid: encoded bytes, a file path, or a data URL. */
export interface GridImage {
  image: Uint8Array | string;
  title?: string;
  boxes?: readonly GridBox[];
  /** A second image drawn over the first (an attention map, an expert label), same extent. */
  overlay?: Uint8Array | string;
  /** Opacity of `overlay`, default 0.5. */
  overlayOpacity?: number;
  /** The pixel size that box coordinates refer to; default: the image's own size (e.g. give the original size for a thumbnail). */
  width?: number;
  height?: number;
}

export interface ImageGridOptions {
  /** Pictures per row. Default: up to 4. */
  columns?: number;
  /** Displayed size of each picture in pixels (images are stretched to it). Default 160. */
  cellSize?: number;
  title?: string;
}

function toDataUrl(image: Uint8Array | string): string {
  return typeof image === 'string' && image.startsWith('data:') ? image : imageDataUrl(image);
}

function pixelSize(item: GridImage, index: number): { width: number; height: number } {
  if (item.width !== undefined && item.height !== undefined) return { width: item.width, height: item.height };
  if (typeof item.image === 'string' && item.image.startsWith('data:')) {
    const comma = item.image.indexOf(',');
    return encodedImageSize(Buffer.from(item.image.slice(comma + 1), 'base64'));
  }
  try {
    return encodedImageSize(typeof item.image === 'string' ? imageBytes(item.image) : item.image);
  } catch (error) {
    throw new Error(`imageGrid: items[${index}]: ${(error as Error).message}; give width and height`);
  }
}

function imageBytes(path: string): Uint8Array {
  const url = imageDataUrl(path);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

/**
 * Pictures in a grid with titles, optional boxes (detections, OCR regions) and an optional
 * translucent overlay per picture. Images travel inside the spec as data URLs, so the plot is
 * self-contained in the notebook and in the SVG.
 */
export function imageGrid(items: readonly GridImage[], options: ImageGridOptions = {}): VegaLiteSpec {
  if (items.length === 0) throw new Error('imageGrid: items: expected at least one image');
  const columns = options.columns ?? Math.min(4, items.length);
  const cell = options.cellSize ?? 160;
  const titleBand = items.some((i) => i.title) ? 16 : 0;
  const gap = 8;
  const rowsCount = Math.ceil(items.length / columns);
  const pictures: object[] = [];
  const overlays: object[] = [];
  const boxes: object[] = [];
  items.forEach((item, i) => {
    const x0 = (i % columns) * (cell + gap);
    const y0 = Math.floor(i / columns) * (cell + gap + titleBand) + titleBand;
    pictures.push({ url: toDataUrl(item.image), x: x0, y: y0, title: item.title ?? '', tx: x0 + cell / 2, ty: y0 - 4 });
    if (item.overlay) overlays.push({ url: toDataUrl(item.overlay), x: x0, y: y0, opacity: item.overlayOpacity ?? 0.5 });
    if (item.boxes && item.boxes.length > 0) {
      const { width, height } = pixelSize(item, i);
      const sx = cell / width;
      const sy = cell / height;
      for (const b of item.boxes) {
        boxes.push({ x: x0 + b.x * sx, y: y0 + b.y * sy, x2: x0 + (b.x + b.width) * sx, y2: y0 + (b.y + b.height) * sy, label: b.label ?? '', color: b.color ?? '#ff3b30' });
      }
    }
  });
  const px = (field: string) => ({ field, type: 'quantitative' as const, scale: null, axis: null });
  const image = (values: object[], opacity?: boolean) => ({
    data: { values },
    mark: { type: 'image', width: cell, height: cell, aspect: false, align: 'left', baseline: 'top' },
    encoding: { x: px('x'), y: px('y'), url: { field: 'url', type: 'nominal' }, ...(opacity ? { opacity: { field: 'opacity', type: 'quantitative', scale: null } } : {}) },
  });
  const layer: object[] = [image(pictures)];
  if (overlays.length > 0) layer.push(image(overlays, true));
  if (boxes.length > 0) {
    layer.push({ data: { values: boxes }, mark: { type: 'rect', fill: null, strokeWidth: 2 }, encoding: { x: px('x'), y: px('y'), x2: { field: 'x2' }, y2: { field: 'y2' }, stroke: { field: 'color', type: 'nominal', scale: null } } });
    layer.push({ data: { values: boxes }, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -2, fontSize: 10, fontWeight: 'bold' }, encoding: { x: px('x'), y: px('y'), text: { field: 'label' }, color: { field: 'color', type: 'nominal', scale: null } } });
  }
  if (titleBand > 0) layer.push({ data: { values: pictures }, mark: { type: 'text', baseline: 'bottom', fontSize: 11 }, encoding: { x: px('tx'), y: px('ty'), text: { field: 'title' } } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title ? { title: options.title } : {}),
    width: columns * cell + (columns - 1) * gap,
    height: rowsCount * (cell + titleBand) + (rowsCount - 1) * gap,
    view: { stroke: null },
    layer,
  } as VegaLiteSpec;
}
