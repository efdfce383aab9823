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

/** All questions of one scene (a few per type where the scene allows); `rng` balances yes/no. */
export function sceneQuestions(scene: Scene, rng: SeededRng): SceneQuestion[] {
  const out: SceneQuestion[] = [];
  const shapes = scene.shapes;
  for (const s of shapes) {
    if (unique(shapes, (t) => t.kind, s.kind)) out.push({ type: 'colour', question: `what color is the ${s.kind}?`, answer: s.colour });
    if (unique(shapes, (t) => t.colour, s.colour)) out.push({ type: 'shape', question: `what shape is the ${s.colour} object?`, answer: s.kind });
  }
  out.push({ type: 'count', question: 'how many shapes are there?', answer: String(shapes.length) });
  const named = shapes.filter((s) => unique(shapes, describe, describe(s)));
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [a, b] = rng.chance(0.5) ? [named[i], named[j]] : [named[j], named[i]];
      if (Math.abs(a.cx - b.cx) > 0.08) {
        out.push({ type: 'spatial', question: `is the ${describe(a)} to the left of the ${describe(b)}?`, answer: a.cx < b.cx ? 'yes' : 'no' });
      }
      if (!shapesOverlap(a, b)) {
        out.push({ type: 'depth', question: `is the ${describe(a)} closer than the ${describe(b)}?`, answer: a.disparity > b.disparity ? 'yes' : 'no', onlyExpert: 'depth' });
      }
    }
  }
  if (scene.sign) out.push({ type: 'text', question: 'what word is on the sign?', answer: scene.sign.word, onlyExpert: 'ocr_detection' });
  const present = rng.chance(0.5);
  if (present) {
    const s = rng.pick(shapes);
    out.push({ type: 'yesno', question: `is there a ${describe(s)}?`, answer: 'yes' });
  } else {
    for (let attempt = 0; attempt < 20; attempt++) {
      const colour = rng.pick(SHAPE_COLOURS);
      const kind = rng.pick(SHAPE_KINDS);
      if (!shapes.some((s) => s.colour === colour && s.kind === kind)) {
        out.push({ type: 'yesno', question: `is there a ${colour} ${kind}?`, answer: 'no' });
        break;
      }
    }
  }
  return out;
}
