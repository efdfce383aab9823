/**
 * Prism Shapes scene sampling: 1–4 shapes (kind, colour, size, disparity), a textured background and
 * an optional sign carrying a short word. Apparent size is drawn independently of depth and colours
 * are not shaded by depth, so only the depth map tells which of two separate shapes is nearer.
 */
import { SeededRng } from '../rng.js';

export const SHAPE_KINDS = ['circle', 'square', 'triangle', 'diamond'] as const;
export const SHAPE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
export const SHAPE_SIZES = ['small', 'large'] as const;
export const BACKGROUNDS = ['plain', 'striped', 'checkered'] as const;
export const SIGN_WORDS = ['stop', 'go', 'exit', 'open', 'sale', 'cafe', 'bank', 'park', 'taxi', 'hotel', 'bus', 'shop'] as const;

export type ShapeKind = (typeof SHAPE_KINDS)[number];
export type ShapeColour = (typeof SHAPE_COLOURS)[number];
export type ShapeSize = (typeof SHAPE_SIZES)[number];
export type BackgroundKind = (typeof BACKGROUNDS)[number];

export const COLOUR_RGB: Record<ShapeColour, readonly [number, number, number]> = {
  red: [215, 45, 40], green: [45, 165, 70], blue: [45, 85, 215], yellow: [235, 205, 45], purple: [140, 65, 180], orange: [240, 135, 35],
};

export interface SceneShape {
  kind: ShapeKind;
  colour: ShapeColour;
  size: ShapeSize;
  /** Centre and radius in units of the image side (0..1). */
  cx: number;
  cy: number;
  radius: number;
  /** Disparity in (0, 1]: larger is nearer (as the official depth expert's output). */
  disparity: number;
}

export interface SceneSign {
  word: string;
  /** Board rectangle in units of the image side. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  disparity: number;
}

export interface Scene {
  id: number;
  shapes: SceneShape[];
  background: BackgroundKind;
  /** Two background tones (RGB). */
  backgroundTones: [[number, number, number], [number, number, number]];
  sign?: SceneSign;
}

const TONES: Array<[number, number, number]> = [[150, 150, 150], [200, 190, 165], [110, 130, 140], [175, 175, 195], [125, 115, 100]];

export function shapeRadius(size: ShapeSize): number {
  return size === 'small' ? 0.11 : 0.17;
}

/** Draws one scene from `rng`; shapes may overlap (the nearer occludes), but each stays mostly visible. */
export function sampleScene(id: number, rng: SeededRng): Scene {
  const count = rng.intBetween(1, 4);
  const shapes: SceneShape[] = [];
  const disparities = rng.shuffle([0.95, 0.8, 0.65, 0.5, 0.4].slice()).slice(0, count);
  for (let i = 0; i < count; i++) {
    const size = rng.pick(SHAPE_SIZES);
    const radius = shapeRadius(size);
    let cx = 0.5;
    let cy = 0.5;
    for (let attempt = 0; attempt < 30; attempt++) {
      cx = rng.uniform(radius + 0.02, 1 - radius - 0.02);
      cy = rng.uniform(radius + 0.02, 0.78 - radius);
      // centres far enough apart that every shape keeps most of its area visible
      if (shapes.every((s) => Math.hypot(s.cx - cx, s.cy - cy) > 0.8 * (s.radius + radius))) break;
    }
    shapes.push({ kind: rng.pick(SHAPE_KINDS), colour: rng.pick(SHAPE_COLOURS), size, cx, cy, radius, disparity: disparities[i] });
  }
  const tones = rng.shuffle(TONES.slice());
  const scene: Scene = { id, shapes, background: rng.pick(BACKGROUNDS), backgroundTones: [tones[0], tones[1]] };
  if (rng.chance(0.5)) {
    const w = 0.3;
    const h = 0.12;
    const x0 = rng.uniform(0.02, 1 - w - 0.02);
    const y0 = rng.uniform(0.82, 0.98 - h);
    scene.sign = { word: rng.pick(SIGN_WORDS), x0, y0, x1: x0 + w, y1: y0 + h, disparity: 0.3 };
  }
  return scene;
}

/** Whether point (x, y) (image units) lies inside a shape's silhouette. */
export function insideShape(shape: SceneShape, x: number, y: number): boolean {
  const dx = (x - shape.cx) / shape.radius;
  const dy = (y - shape.cy) / shape.radius;
  switch (shape.kind) {
    case 'circle': return dx * dx + dy * dy <= 1;
    case 'square': return Math.abs(dx) <= 0.82 && Math.abs(dy) <= 0.82;
    case 'diamond': return Math.abs(dx) + Math.abs(dy) <= 1;
    case 'triangle': return dy <= 0.75 && dy >= -1 + 0 && Math.abs(dx) <= (dy + 1) * 0.6;
  }
}
