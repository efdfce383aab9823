/**
 * Captions and VQA questions of a Prism Shapes scene, each question tagged with its type and with
 * the one expert it needs when the RGB image cannot answer it: depth-order questions ask only about
 * shapes that do not overlap (no occlusion cue, size independent of depth) -> 'depth'; the sign's
 * word is drawn as a fixed scribble -> 'ocr_detection'.
 */
import type { SeededRng } from '../rng.js';
import type { LabelExpert } from '../expert-labels.js';
import { SHAPE_COLOURS, SHAPE_KINDS, insideShape, type Scene, type SceneShape } from './scene.js';

export const QUESTION_TYPES = ['colour', 'shape', 'count', 'spatial', 'depth', 'text', 'yesno'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export interface SceneQuestion {
  type: QuestionType;
  question: string;
  answer: string;
  /** The only expert that carries the answer (the RGB image does not), if any. */
  onlyExpert?: LabelExpert;
  /**
   * For answers that name a colour or a kind: every colour (or kind) in the scene, sorted. Picking one of them at
   * random is the baseline of a model that knows what the image holds but not which object the question means.
   */
  inScene?: string[];
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four'];

function describe(shape: SceneShape): string {
  return `${shape.colour} ${shape.kind}`;
}

function unique<T>(items: readonly T[], key: (t: T) => string, value: string): boolean {
  return items.filter((t) => key(t) === value).length === 1;
}

/** Whether two shapes' full silhouettes share any point (sampled on a fine grid). */
export function shapesOverlap(a: SceneShape, b: SceneShape): boolean {
  if (Math.hypot(a.cx - b.cx, a.cy - b.cy) > a.radius + b.radius) return false;
  const x0 = Math.max(a.cx - a.radius, b.cx - b.radius);
  const x1 = Math.min(a.cx + a.radius, b.cx + b.radius);
  const y0 = Math.max(a.cy - a.radius, b.cy - b.radius);
  const y1 = Math.min(a.cy + a.radius, b.cy + b.radius);
  for (let y = y0; y <= y1; y += 0.004) for (let x = x0; x <= x1; x += 0.004) if (insideShape(a, x, y) && insideShape(b, x, y)) return true;
  return false;
}

/** Left-to-right list of the shapes, e.g. "a large red circle, a small blue square and a sign". */
export function sceneCaptions(scene: Scene): string[] {
  const shapes = scene.shapes.slice().sort((a, b) => a.cx - b.cx);
  const parts = shapes.map((s) => `a ${s.size} ${s.colour} ${s.kind}`);
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  const count = shapes.length;
  const noun = count === 1 ? 'shape' : 'shapes';
  const sign = scene.sign ? ' next to a sign' : '';
  const nearest = scene.shapes.reduce((a, b) => (b.disparity > a.disparity ? b : a));
  return [
    `${list} on a ${scene.background} background${sign}`,
    `${NUMBER_WORDS[count]} ${noun} on a ${scene.background} background with the ${describe(nearest)} in front`,
  ];
}

/**
 * The left- or rightmost of two or more shapes, when no other shape's centre is within 0.08 of it (so the
 * answer does not hinge on a few pixels); null otherwise.
 */
function extremeShape(shapes: readonly SceneShape[], side: 'left' | 'right'): SceneShape | null {
  if (shapes.length < 2) return null;
  const sorted = shapes.slice().sort((a, b) => (side === 'left' ? a.cx - b.cx : b.cx - a.cx));
  return Math.abs(sorted[0]!.cx - sorted[1]!.cx) > 0.08 ? sorted[0]! : null;
}

/**
 * The nearest of two or more shapes when only the depth map tells which it is: no two shapes overlap (no
 * occlusion cue) and its colour is unique (so naming the colour needs knowing which shape is nearest).
 */
function nearestSeparateShape(shapes: readonly SceneShape[]): SceneShape | null {
  if (shapes.length < 2) return null;
  for (let i = 0; i < shapes.length; i++) for (let j = i + 1; j < shapes.length; j++) if (shapesOverlap(shapes[i]!, shapes[j]!)) return null;
  const nearest = shapes.reduce((a, b) => (b.disparity > a.disparity ? b : a));
  return unique(shapes, (t) => t.colour, nearest.colour) ? nearest : null;
}

/**
 * "is there a {colour} shape?" or "is there a {kind}?" (one attribute, drawn with equal odds), answered 'yes' or
 * 'no' with equal odds.
 */
function existenceQuestion(shapes: readonly SceneShape[], rng: SeededRng): SceneQuestion {
  const byColour = rng.chance(0.5);
  const values: readonly string[] = byColour ? SHAPE_COLOURS : SHAPE_KINDS;
  const present = new Set<string>(shapes.map((s) => (byColour ? s.colour : s.kind)));
  const wantYes = rng.chance(0.5);
  const pool = values.filter((v) => present.has(v) === wantYes);
  // every kind can be present (four shapes of four kinds): then the answer is 'yes'
  const value = pool.length > 0 ? rng.pick(pool) : rng.pick(values);
  const question = byColour ? `is there a ${value} shape?` : `is there a ${value}?`;
  return { type: 'yesno', question, answer: present.has(value) ? 'yes' : 'no' };
}

/** All questions of one scene (a few per type where the scene allows); `rng` balances yes/no. */
export function sceneQuestions(scene: Scene, rng: SeededRng): SceneQuestion[] {
  const out: SceneQuestion[] = [];
  const shapes = scene.shapes;
  const colours = [...new Set(shapes.map((s) => s.colour))].sort();
  const kinds = [...new Set(shapes.map((s) => s.kind))].sort();
  for (const s of shapes) {
    if (unique(shapes, (t) => t.kind, s.kind)) out.push({ type: 'colour', question: `what color is the ${s.kind}?`, answer: s.colour, inScene: colours });
    if (unique(shapes, (t) => t.colour, s.colour)) out.push({ type: 'shape', question: `what shape is the ${s.colour} object?`, answer: s.kind, inScene: kinds });
  }
  out.push({ type: 'count', question: 'how many shapes are there?', answer: String(shapes.length) });
  const side = rng.chance(0.5) ? 'left' : 'right';
  const extreme = extremeShape(shapes, side);
  if (extreme) out.push({ type: 'spatial', question: `what color is the ${side}most shape?`, answer: extreme.colour, inScene: colours });
  const nearest = nearestSeparateShape(shapes);
  if (nearest) out.push({ type: 'depth', question: 'what color is the nearest shape?', answer: nearest.colour, onlyExpert: 'depth', inScene: colours });
  if (scene.sign) out.push({ type: 'text', question: 'what word is on the sign?', answer: scene.sign.word, onlyExpert: 'ocr_detection' });
  out.push(existenceQuestion(shapes, rng));
  return out;
}
