/**
 * The expert panel of `demo_vis.py`: the image and the picture of every expert label side by side,
 * the caption above. Read from the official label layout, composed as one SVG (pictures embedded as
 * PNG, boxes and names as vector text) and rasterised with resvg.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExpertLabels, type LabelExpert } from '../data/expert-labels.js';
import { readFeatureTables } from '../data/feature-tables.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { decodeRgb } from '../data/decode.js';
import { labelLocation } from '../inference/image-inputs.js';
import { rasterToPng, type RgbRaster } from './colormap.js';
import { expertPicture, missingPicture, type ExpertClassNames, type ExpertPicture } from './expert-pictures.js';
import { svgToPng, type PngOptions } from './render.js';

/** The demo's order: depth, normal, edge, obj_detection, ocr_detection, seg_coco. */
export const PANEL_EXPERTS: readonly LabelExpert[] = ['depth', 'normal', 'edge', 'obj_detection', 'ocr_detection', 'seg_coco'];

export interface ReadExpertPanelOptions {
  /** Labels root in the official layout: `<labels>/<expert>/<A>/<B>/<name>.png` for an image `…/<A>/<B>/<name>.<ext>`. */
  labels: string;
  /** Folder with coco_features.pt / detection_features.pt for class names (only their `labels` are used). */
  tables?: string;
  experts?: readonly LabelExpert[];
  /** Caption above the panel; default: the first line of `<image without extension>.txt` if present (as the demo). */
  caption?: string;
  /** Longest side of the pictures in pixels (larger images are shrunk, labels follow by nearest). Default 320. */
  maxSide?: number;
}

export interface ExpertPanel {
  image: string;
  caption?: string;
  /** The rgb picture first, then one per expert. */
  pictures: ExpertPicture[];
  /** Label files that were missing or empty (`expert: path`). */
  missing: string[];
}

function shrink(raster: RgbRaster, maxSide: number): RgbRaster {
  const scale = maxSide / Math.max(raster.width, raster.height);
  if (scale >= 1) return raster;
  const width = Math.max(1, Math.round(raster.width * scale));
  const height = Math.max(1, Math.round(raster.height * scale));
  const data = new Uint8Array(width * height * 3);
  // Box filter: mean of the source pixels under each target pixel.
  for (let y = 0; y < height; y++) {
    const sy0 = Math.floor((y * raster.height) / height);
    const sy1 = Math.max(sy0 + 1, Math.floor(((y + 1) * raster.height) / height));
    for (let x = 0; x < width; x++) {
      const sx0 = Math.floor((x * raster.width) / width);
      const sx1 = Math.max(sx0 + 1, Math.floor(((x + 1) * raster.width) / width));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let sy = sy0; sy < sy1; sy++) for (let sx = sx0; sx < sx1; sx++) sum += raster.data[(sy * raster.width + sx) * 3 + c]!;
        data[(y * width + x) * 3 + c] = Math.round(sum / ((sy1 - sy0) * (sx1 - sx0)));
      }
    }
  }
  return { width, height, channels: 3, data };
}

function captionNextTo(imagePath: string): string | undefined {
  const path = imagePath.replace(/\.[^./]+$/, '.txt');
  if (path === imagePath || !existsSync(path)) return undefined;
  return readFileSync(path, 'utf8').split(/\r?\n/)[0]?.trim() || undefined;
}

function classNames(tables: string | undefined): ExpertClassNames {
  if (!tables) return {};
  const read = readFeatureTables(tables);
  return { segClasses: read.coco.labels, detectionClasses: read.detection.labels, adeClasses: read.ade?.labels };
}

/** Reads an image and its expert labels (official layout, official fallbacks) and draws every picture. */
export async function readExpertPanel(imagePath: string, options: ReadExpertPanelOptions): Promise<ExpertPanel> {
  if (!existsSync(imagePath)) throw new Error(`${imagePath}: no such image`);
  if (!existsSync(options.labels)) throw new Error(`${options.labels}: labels folder not found`);
  const experts = options.experts ?? PANEL_EXPERTS;
  const image = shrink(await decodeRgb(imagePath), options.maxSide ?? 320);
  const fallbacks = new LabelFallbackCounter(() => {});
  const where = labelLocation(imagePath);
  const set = await readExpertLabels({ labelPath: options.labels, dataset: where.dataset, image: where.image, experts, imageWidth: image.width, imageHeight: image.height, fallbacks });
  const missing = fallbacks.entries().filter((e) => e.reason === 'missing' || e.reason === 'empty');
  const names = classNames(options.tables);
  const pictures: ExpertPicture[] = [{ expert: 'rgb', title: 'RGB', raster: image, annotations: [] }];
  for (const expert of experts) {
    const gone = missing.find((m) => m.expert === expert);
    pictures.push(gone ? missingPicture(image, expert, `${gone.reason} label`) : expertPicture(expert, image, set, names));
  }
  return { image: imagePath, caption: options.caption ?? captionNextTo(imagePath), pictures, missing: missing.map((m) => `${m.expert}: ${m.example}`) };
}

/** Default class-name tables for a labels folder: `<labels>/../tables` (Prism Shapes), when it exists. */
export function siblingTablesDir(labels: string): string | undefined {
  const dir = join(labels, '..', 'tables');
  return existsSync(join(dir, 'coco_features.pt')) ? dir : undefined;
}

export interface ExpertPanelLayout {
  /** Pictures per row. Default: all in one row (as the demo). */
  columns?: number;
  /** Displayed width of each picture in pixels. Default 200. */
  cellSize?: number;
  caption?: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The panel as one SVG document: caption, then a grid of titled pictures with their boxes and names. */
export async function expertPanelSvg(pictures: readonly ExpertPicture[], layout: ExpertPanelLayout = {}): Promise<string> {
  if (pictures.length === 0) throw new Error('expertPanelSvg: no pictures');
  const cell = layout.cellSize ?? 200;
  const columns = Math.max(1, Math.min(layout.columns ?? pictures.length, pictures.length));
  const aspect = pictures[0]!.raster.height / pictures[0]!.raster.width;
  const cellH = Math.round(cell * aspect);
  const gap = 8;
  const titleH = 20;
  const captionH = layout.caption ? 30 : 0;
  const rows = Math.ceil(pictures.length / columns);
  const width = columns * cell + (columns + 1) * gap;
  const height = captionH + rows * (cellH + titleH + gap) + gap;
  const fontSize = Math.max(9, Math.round(cell / 16));
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  if (layout.caption) parts.push(`<text x="${width / 2}" y="${captionH - 8}" text-anchor="middle" font-family="DejaVu Sans" font-size="16">${escapeXml(layout.caption)}</text>`);
  for (const [i, picture] of pictures.entries()) {
    const x0 = gap + (i % columns) * (cell + gap);
    const y0 = captionH + Math.floor(i / columns) * (cellH + titleH + gap) + titleH;
    const sx = cell / picture.raster.width;
    const sy = cellH / picture.raster.height;
    const png = Buffer.from(await rasterToPng(picture.raster)).toString('base64');
    parts.push(`<text x="${x0 + cell / 2}" y="${y0 - 6}" text-anchor="middle" font-family="DejaVu Sans" font-size="13">${escapeXml(picture.title)}</text>`);
    parts.push(`<image x="${x0}" y="${y0}" width="${cell}" height="${cellH}" preserveAspectRatio="none" href="data:image/png;base64,${png}"/>`);
    for (const a of picture.annotations) {
      const x = x0 + a.x * sx;
      const y = y0 + a.y * sy;
      if (a.kind === 'box') {
        parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${((a.width ?? 0) * sx).toFixed(1)}" height="${((a.height ?? 0) * sy).toFixed(1)}" fill="none" stroke="${a.color}" stroke-width="2"/>`);
      } else {
        const halo = a.color === '#000000' ? '#ffffff' : '#000000';
        parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="middle" dominant-baseline="central" font-family="DejaVu Sans" font-weight="bold" font-size="${fontSize}" fill="${a.color}" stroke="${halo}" stroke-width="2.5" paint-order="stroke">${escapeXml(a.text ?? '')}</text>`);
      }
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** The panel as PNG bytes (`scale` pixels per SVG unit, default 1). */
export async function expertPanelPng(pictures: readonly ExpertPicture[], layout: ExpertPanelLayout = {}, png: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await expertPanelSvg(pictures, layout), png);
}
