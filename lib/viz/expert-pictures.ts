/**
 * One picture per expert label, as the official `demo_vis.py` draws them with matplotlib: depth with
 * the 'rainbow' colour map (min-max over the map), surface normals as RGB, edges in grey, segmentation
 * with a palette over the image and the class names, object detection instances coloured over the
 * image with their boxes and class names, OCR regions dark on a whitened image with their words.
 * Pictures are rasters at the image's size plus annotations (boxes, text) in the same pixel space.
 */
import type { ExpertLabelSet, LabelExpert, OcrWord } from '../data/expert-labels.js';
import { blendRasters, colorizeMap, cssColor, paletteColor, type RgbRaster } from './colormap.js';

/** A box or a text placed on a picture, in the picture's pixels. */
export interface PictureAnnotation {
  kind: 'box' | 'text';
  x: number;
  y: number;
  width?: number;
  height?: number;
  text?: string;
  color: string;
}

export interface ExpertPicture {
  /** Expert name ('depth', 'seg_coco', …) or 'rgb'. */
  expert: string;
  title: string;
  raster: RgbRaster;
  annotations: PictureAnnotation[];
  /** Why the picture is a placeholder (label file missing), if it is. */
  note?: string;
}

/** Class names for the id maps: seg_coco ids index `segClasses`, obj_detection classes index `detectionClasses`. */
export interface ExpertClassNames {
  segClasses?: readonly string[];
  /** seg_ade class names (the ADE table), when that expert is drawn. */
  adeClasses?: readonly string[];
  detectionClasses?: readonly string[];
}

/** Nearest-neighbour resize of a label raster to the image size (labels may be stored smaller). */
export function resizeNearest(label: RgbRaster, width: number, height: number): RgbRaster {
  if (label.width === width && label.height === height) return label;
  const c = label.channels;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(label.height - 1, Math.floor(((y + 0.5) * label.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(label.width - 1, Math.floor(((x + 0.5) * label.width) / width));
      for (let k = 0; k < c; k++) data[(y * width + x) * c + k] = label.data[(sy * label.width + sx) * c + k]!;
    }
  }
  return { width, height, channels: c, data };
}

function toRgb(raster: RgbRaster): RgbRaster {
  if (raster.channels === 3) return raster;
  if (raster.channels !== 1) throw new Error(`expected a grey or RGB label raster, got ${raster.channels} channels`);
  const data = new Uint8Array(raster.width * raster.height * 3);
  for (let i = 0; i < raster.width * raster.height; i++) data.fill(raster.data[i]!, i * 3, i * 3 + 3);
  return { width: raster.width, height: raster.height, channels: 3, data };
}

/** Depth with matplotlib's 'rainbow' over the map's own range (as `plt.imsave(cmap='rainbow')`). */
export function depthPicture(depth: RgbRaster): ExpertPicture {
  const values = Float32Array.from({ length: depth.width * depth.height }, (_, i) => depth.data[i * depth.channels]!);
  return { expert: 'depth', title: 'depth', raster: colorizeMap(values, depth.width, depth.height, 'rainbow'), annotations: [] };
}

export function normalPicture(normal: RgbRaster): ExpertPicture {
  return { expert: 'normal', title: 'normal', raster: toRgb(normal), annotations: [] };
}

export function edgePicture(edge: RgbRaster): ExpertPicture {
  return { expert: 'edge', title: 'edge', raster: toRgb(edge), annotations: [] };
}

interface Region {
  id: number;
  count: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** A pixel of the region nearest to its centroid (where its name goes). */
  labelX: number;
  labelY: number;
}

/** Pixel count, bounding box and an inner label point of every id ≠ `background` in a grey id map. */
export function labelRegions(ids: RgbRaster, background = 255): Region[] {
  const { width, height } = ids;
  const acc = new Map<number, { count: number; sx: number; sy: number; x0: number; y0: number; x1: number; y1: number }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = ids.data[(y * width + x) * ids.channels]!;
      if (id === background) continue;
      let r = acc.get(id);
      if (!r) acc.set(id, (r = { count: 0, sx: 0, sy: 0, x0: x, y0: y, x1: x, y1: y }));
      r.count++;
      r.sx += x;
      r.sy += y;
      r.x0 = Math.min(r.x0, x);
      r.y0 = Math.min(r.y0, y);
      r.x1 = Math.max(r.x1, x);
      r.y1 = Math.max(r.y1, y);
    }
  }
  const regions: Region[] = [];
  for (const [id, r] of [...acc].sort((a, b) => a[0] - b[0])) {
    const cx = r.sx / r.count;
    const cy = r.sy / r.count;
    let best = Infinity;
    let labelX = Math.round(cx);
    let labelY = Math.round(cy);
    for (let y = r.y0; y <= r.y1; y++) {
      for (let x = r.x0; x <= r.x1; x++) {
        if (ids.data[(y * width + x) * ids.channels] !== id) continue;
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        if (d < best) [best, labelX, labelY] = [d, x, y];
      }
    }
    regions.push({ id, count: r.count, x0: r.x0, y0: r.y0, x1: r.x1 + 1, y1: r.y1 + 1, labelX: labelX + 0.5, labelY: labelY + 0.5 });
  }
  return regions;
}

/** Colours every id (palette) over the image at `alpha`; background pixels keep the image. */
function paintIds(image: RgbRaster, ids: RgbRaster, colorOf: (id: number) => [number, number, number], alpha: number, background = 255): RgbRaster {
  const n = image.width * image.height;
  const top = new Uint8Array(n * 3);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids.data[i * ids.channels]!;
    if (id === background) continue;
    top.set(colorOf(id), i * 3);
    a[i] = alpha;
  }
  return blendRasters(image, { width: image.width, height: image.height, channels: 3, data: top }, a);
}

function className(names: readonly string[] | undefined, id: number): string {
  return names?.[id] ?? `class ${id}`;
}

/** seg_coco: palette colour per class over the image (alpha 0.5) with the class name on each region. */
export function segmentationPicture(image: RgbRaster, seg: RgbRaster, names?: readonly string[], expert: LabelExpert = 'seg_coco'): ExpertPicture {
  const ids = resizeNearest(seg, image.width, image.height);
  const regions = labelRegions(ids);
  return {
    expert, title: expert,
    raster: paintIds(image, ids, paletteColor, 0.5),
    annotations: regions.map((r) => ({ kind: 'text' as const, x: r.labelX, y: r.labelY, text: className(names, r.id), color: '#ffffff' })),
  };
}

/** obj_detection: instance colours over the image, each instance's box and class name. */
export function detectionPicture(image: RgbRaster, instances: RgbRaster, classOf: ReadonlyMap<number, number> | undefined, names?: readonly string[]): ExpertPicture {
  const ids = resizeNearest(instances, image.width, image.height);
  const regions = labelRegions(ids);
  const annotations: PictureAnnotation[] = [];
  for (const r of regions) {
    const color = cssColor(paletteColor(r.id + 1));
    const cls = classOf?.get(r.id);
    annotations.push({ kind: 'box', x: r.x0, y: r.y0, width: r.x1 - r.x0, height: r.y1 - r.y0, color });
    annotations.push({ kind: 'text', x: r.labelX, y: r.labelY, text: cls === undefined ? `instance ${r.id}` : className(names, cls), color: '#ffffff' });
  }
  return { expert: 'obj_detection', title: 'obj_detection', raster: paintIds(image, ids, (id) => paletteColor(id + 1), 0.5), annotations };
}

/** ocr_detection: image whitened (alpha 0.8), text regions dark, each word in its box; "No text detected" without words. */
export function ocrPicture(image: RgbRaster, ocr: RgbRaster | undefined, words: ReadonlyMap<number, OcrWord> | null | undefined): ExpertPicture {
  const white: RgbRaster = { width: image.width, height: image.height, channels: 3, data: new Uint8Array(image.width * image.height * 3).fill(255) };
  if (!ocr || !words || words.size === 0) {
    return {
      expert: 'ocr_detection', title: 'ocr_detection', raster: blendRasters(image, white, 0.8),
      annotations: [{ kind: 'text', x: image.width / 2, y: image.height / 2, text: 'No text detected', color: '#000000' }],
    };
  }
  const ids = resizeNearest(ocr, image.width, image.height);
  const n = image.width * image.height;
  const top = new Uint8Array(n * 3).fill(255);
  for (let i = 0; i < n; i++) if (ids.data[i * ids.channels] !== 255) top.fill(0, i * 3, i * 3 + 3);
  const annotations: PictureAnnotation[] = [];
  for (const r of labelRegions(ids)) {
    annotations.push({ kind: 'box', x: r.x0, y: r.y0, width: r.x1 - r.x0, height: r.y1 - r.y0, color: '#ffcc00' });
    annotations.push({ kind: 'text', x: (r.x0 + r.x1) / 2, y: (r.y0 + r.y1) / 2, text: words.get(r.id)?.text ?? `word ${r.id}`, color: '#ffffff' });
  }
  return { expert: 'ocr_detection', title: 'ocr_detection', raster: blendRasters(image, { width: image.width, height: image.height, channels: 3, data: top }, 0.8), annotations };
}

/** A grey placeholder for a label that could not be read. */
export function missingPicture(image: RgbRaster, expert: string, note: string): ExpertPicture {
  const grey: RgbRaster = { width: image.width, height: image.height, channels: 3, data: new Uint8Array(image.width * image.height * 3).fill(128) };
  return { expert, title: expert, raster: blendRasters(image, grey, 0.85), annotations: [{ kind: 'text', x: image.width / 2, y: image.height / 2, text: note, color: '#ffffff' }], note };
}

/** The picture of one expert's label from a label set read with lib/data `readExpertLabels`. */
export function expertPicture(expert: LabelExpert, image: RgbRaster, set: ExpertLabelSet, names: ExpertClassNames = {}): ExpertPicture {
  const label = set.labels[expert];
  if (expert === 'ocr_detection') return ocrPicture(image, label, set.ocrWords);
  if (!label) return missingPicture(image, expert, 'no label');
  const sized = expert === 'depth' || expert === 'normal' || expert === 'edge' ? resizeNearest(label, image.width, image.height) : label;
  switch (expert) {
    case 'depth': return depthPicture(sized);
    case 'normal': return normalPicture(sized);
    case 'edge': return edgePicture(sized);
    case 'seg_coco': return segmentationPicture(image, label, names.segClasses, expert);
    case 'seg_ade': return segmentationPicture(image, label, names.adeClasses, expert);
    case 'obj_detection': return detectionPicture(image, label, set.detectionClasses, names.detectionClasses);
  }
}
