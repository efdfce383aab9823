/**
 * Rasterises a Prism Shapes scene into the RGB image (2x2 supersampled) and the oracle outputs of
 * the six experts at the same size, as the official expert scripts store them: depth (u8 disparity,
 * brighter = nearer), surface normal (RGB, (n+1)/2·255), edge (u8), seg_coco (class id, 255 =
 * background), obj_detection (instance id, 255 = background, + instance -> class map) and
 * ocr_detection (word id 0 on the sign's board, 255 elsewhere, + the word).
 */
import type { RasterU8 } from '../pil-resize.js';
import { COLOUR_RGB, SHAPE_KINDS, insideShape, type Scene } from './scene.js';

export interface RenderedScene {
  rgb: RasterU8;
  depth: RasterU8;
  normal: RasterU8;
  edge: RasterU8;
  seg: RasterU8;
  instance: RasterU8;
  /** instance id -> detection class id (index into SHAPE_KINDS). */
  instanceClasses: Map<number, number>;
  /** 0 on the sign board, 255 elsewhere; undefined without a sign. */
  ocr?: RasterU8;
  /** Visible pixel count per shape (index as in scene.shapes). */
  visiblePixels: number[];
}

/** seg_coco class ids of the synthetic table: the shape kinds, then the sign. */
export const SEG_CLASSES = [...SHAPE_KINDS, 'sign'] as const;
const SIGN_CLASS = SHAPE_KINDS.length;
const SIGN_OWNER = 100;
const BACKGROUND_OWNER = 255;

function grey(size: number, fill = 0): RasterU8 {
  return { width: size, height: size, channels: 1, data: new Uint8Array(size * size).fill(fill) };
}

/**
 * Owner of every sample point of a grid: the nearest shape covering it (index into scene.shapes),
 * SIGN_OWNER, or BACKGROUND_OWNER. Sample (i, j) sits at ((i + offset) / samplesPerSide) in image units.
 * Shapes are painted far to near over their bounding boxes, so the nearest wins.
 */
function ownerGrid(scene: Scene, order: readonly number[], samplesPerSide: number, offset: number): Uint8Array {
  const n = samplesPerSide;
  const owners = new Uint8Array(n * n).fill(BACKGROUND_OWNER);
  const toIndexRange = (lo: number, hi: number): [number, number] => [Math.max(0, Math.floor(lo * n - offset) - 1), Math.min(n - 1, Math.ceil(hi * n - offset) + 1)];
  const s = scene.sign;
  if (s) {
    const [x0, x1] = toIndexRange(s.x0, s.x1);
    const [y0, y1] = toIndexRange(s.y0, s.y1);
    for (let j = y0; j <= y1; j++) {
      const y = (j + offset) / n;
      if (y < s.y0 || y >= s.y1) continue;
      for (let i = x0; i <= x1; i++) {
        const x = (i + offset) / n;
        if (x >= s.x0 && x < s.x1) owners[j * n + i] = SIGN_OWNER;
      }
    }
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const shape = scene.shapes[order[k]];
    const [x0, x1] = toIndexRange(shape.cx - shape.radius, shape.cx + shape.radius);
    const [y0, y1] = toIndexRange(shape.cy - shape.radius, shape.cy + shape.radius);
    for (let j = y0; j <= y1; j++) {
      const y = (j + offset) / n;
      for (let i = x0; i <= x1; i++) if (insideShape(shape, (i + offset) / n, y)) owners[j * n + i] = order[k];
    }
  }
  return owners;
}

function backgroundColour(scene: Scene, x: number, y: number): readonly [number, number, number] {
  const [a, b] = scene.backgroundTones;
  switch (scene.background) {
    case 'plain': return a;
    case 'striped': return Math.floor(y * 10) % 2 === 0 ? a : b;
    case 'checkered': return (Math.floor(x * 8) + Math.floor(y * 8)) % 2 === 0 ? a : b;
  }
}

function colourAt(scene: Scene, owner: number, x: number, y: number): readonly [number, number, number] {
  if (owner === BACKGROUND_OWNER) return backgroundColour(scene, x, y);
  if (owner === SIGN_OWNER) {
    const s = scene.sign!;
    // a fixed scribble, the same for every word: the image never shows which word it is
    const u = (x - s.x0) / (s.x1 - s.x0);
    const v = (y - s.y0) / (s.y1 - s.y0);
    const ink = v > 0.42 && v < 0.58 && u > 0.15 && u < 0.85 && Math.floor(u * 23) % 3 !== 2;
    return ink ? [60, 60, 60] : [235, 235, 230];
  }
  return COLOUR_RGB[scene.shapes[owner].colour];
}

export function renderScene(scene: Scene, size: number): RenderedScene {
  const order = scene.shapes.map((_, i) => i).sort((a, b) => scene.shapes[b].disparity - scene.shapes[a].disparity);
  const rgb: RasterU8 = { width: size, height: size, channels: 3, data: new Uint8Array(size * size * 3) };
  const normal: RasterU8 = { width: size, height: size, channels: 3, data: new Uint8Array(size * size * 3) };
  const depth = grey(size);
  const edge = grey(size);
  const seg = grey(size, 255);
  const instance = grey(size, 255);
  const ocr = scene.sign ? grey(size, 255) : undefined;
  const owners = ownerGrid(scene, order, size, 0.5);
  const fine = ownerGrid(scene, order, 2 * size, 0.5); // 2x2 supersamples at (px + 0.25, px + 0.75)
  const visiblePixels = scene.shapes.map(() => 0);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const p = py * size + px;
      let r = 0; let g = 0; let b = 0;
      for (let sy = 0; sy < 2; sy++) {
        for (let sx = 0; sx < 2; sx++) {
          const fx = 2 * px + sx;
          const fy = 2 * py + sy;
          const c = colourAt(scene, fine[fy * 2 * size + fx], (fx + 0.5) / (2 * size), (fy + 0.5) / (2 * size));
          r += c[0]; g += c[1]; b += c[2];
        }
      }
      rgb.data[p * 3] = Math.round(r / 4);
      rgb.data[p * 3 + 1] = Math.round(g / 4);
      rgb.data[p * 3 + 2] = Math.round(b / 4);
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      const owner = owners[p];
      let disparity: number;
      let n: [number, number, number] = [0, 0, 1];
      if (owner === BACKGROUND_OWNER) {
        disparity = 0.05 + 0.15 * y; // a receding floor: farther towards the top
        n = [0, -0.55, 0.835];
      } else if (owner === SIGN_OWNER) {
        disparity = scene.sign!.disparity;
        seg.data[p] = SIGN_CLASS;
        if (ocr) ocr.data[p] = 0;
      } else {
        const s = scene.shapes[owner];
        disparity = s.disparity;
        visiblePixels[owner]++;
        seg.data[p] = SHAPE_KINDS.indexOf(s.kind);
        instance.data[p] = owner;
        if (s.kind === 'circle') {
          const dx = (x - s.cx) / s.radius;
          const dy = (y - s.cy) / s.radius;
          const dz = Math.sqrt(Math.max(0, 1 - dx * dx - dy * dy));
          n = [dx, -dy, dz];
          disparity += 0.04 * dz; // the dome bulges towards the camera
        }
      }
      depth.data[p] = Math.min(255, Math.round(disparity * 255));
      normal.data[p * 3] = Math.round(((n[0] + 1) / 2) * 255);
      normal.data[p * 3 + 1] = Math.round(((n[1] + 1) / 2) * 255);
      normal.data[p * 3 + 2] = Math.round(((n[2] + 1) / 2) * 255);
    }
  }
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const p = py * size + px;
      const o = owners[p];
      const differs = (px + 1 < size && owners[p + 1] !== o) || (py + 1 < size && owners[p + size] !== o) || (px > 0 && owners[p - 1] !== o) || (py > 0 && owners[p - size] !== o);
      edge.data[p] = differs ? 255 : 0;
    }
  }
  const instanceClasses = new Map<number, number>();
  scene.shapes.forEach((s, i) => {
    if (visiblePixels[i] > 0) instanceClasses.set(i, SHAPE_KINDS.indexOf(s.kind));
  });
  return { rgb, depth, normal, edge, seg, instance, instanceClasses, ocr, visiblePixels };
}
