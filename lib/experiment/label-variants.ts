import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ExperimentExpert } from '../config/schema.js';
import { decodeGrey, decodeRgb } from '../data/decode.js';
import type { RasterU8 } from '../data/pil-resize.js';
import { SeededRng, mixSeed } from '../data/rng.js';
import { encodePng } from '../data/synthetic/png.js';

/**
 * Label-tree variants for expert ablations, built from an expert-label folder in the official layout
 * (`<labels>/<expert>/<dataset>/<image>.png`, + `.json` / `.pt`): unchanged experts are symlinked,
 * changed ones rewritten. The data loaders then read the variant as if it were the real label_path:
 * - `drop`: the expert's folder is left out, so every label takes the official missing-label fallback
 *   (zeros for depth/normal/edge/seg, background for detection and OCR), the expert "switched off";
 * - `noise`: that fraction of each label image's pixels, chosen at random, is replaced by noise: uniform
 *   values for depth/normal/edge, an id drawn from the ids present in that image for the id maps
 *   (seg_coco, obj_detection, ocr_detection; their .json / .pt stay valid);
 * - `pureNoise`: depth/normal/edge labels made of uniform noise only (same files and sizes as the
 *   image's other labels): an expert that carries no information.
 * Noise is seeded by `seed` and the file's path, so a variant is reproducible.
 */
export interface LabelVariantSpec {
  drop: readonly ExperimentExpert[];
  noise: Partial<Record<ExperimentExpert, number>>;
  pureNoise: readonly ExperimentExpert[];
  seed: number;
}

const ID_MAP_EXPERTS: readonly string[] = ['seg_coco', 'seg_ade', 'obj_detection', 'ocr_detection'];

/** Whether the spec changes anything (otherwise the original label folder is used as is). */
export function isIdentityVariant(spec: LabelVariantSpec): boolean {
  return spec.drop.length === 0 && spec.pureNoise.length === 0 && Object.values(spec.noise).every((f) => !f);
}

/** A short, stable key of a spec (folder name of the variant). */
export function labelVariantKey(spec: LabelVariantSpec): string {
  const parts: string[] = [];
  if (spec.drop.length > 0) parts.push(`drop-${[...spec.drop].sort().join('+')}`);
  for (const [expert, fraction] of Object.entries(spec.noise).sort()) if (fraction) parts.push(`noise-${expert}@${fraction}`);
  if (spec.pureNoise.length > 0) parts.push(`pure-${[...spec.pureNoise].sort().join('+')}`);
  return parts.length === 0 ? 'original' : `${parts.join(',')},seed-${spec.seed}`;
}

function hashPath(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return h >>> 0;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out;
}

/** Replaces `fraction` of the pixels of a label raster by noise (in place on a copy). */
export function corruptLabelRaster(raster: RasterU8, expert: string, fraction: number, rng: SeededRng): RasterU8 {
  const data = Uint8Array.from(raster.data);
  const pixels = raster.width * raster.height;
  const c = raster.channels;
  const ids = ID_MAP_EXPERTS.includes(expert) ? [...new Set(raster.data)].sort((a, b) => a - b) : null;
  for (let p = 0; p < pixels; p++) {
    if (rng.next() >= fraction) continue;
    if (ids) data[p] = ids[rng.int(ids.length)]!;
    else for (let k = 0; k < c; k++) data[p * c + k] = rng.int(256);
  }
  return { ...raster, data };
}

/** A label raster of uniform noise. */
export function noiseLabelRaster(width: number, height: number, channels: number, rng: SeededRng): RasterU8 {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, channels, data };
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(resolve(target), path);
}

/**
 * Builds the variant of `sourceRoot` described by `spec` at `targetRoot` (once: an existing complete
 * variant is reused) and returns the label folder to read: `sourceRoot` itself when nothing changes.
 */
export async function prepareLabelVariant(sourceRoot: string, targetRoot: string, spec: LabelVariantSpec): Promise<string> {
  const source = resolve(sourceRoot);
  if (isIdentityVariant(spec)) return source;
  const target = resolve(targetRoot);
  if (existsSync(join(target, 'variant.json'))) return target;
  if (!existsSync(source)) throw new Error(`${source}: expert label folder not found (label_path)`);
  const experts = readdirSync(source).filter((e) => statSync(join(source, e)).isDirectory()).sort();
  for (const expert of [...spec.drop, ...Object.keys(spec.noise)]) {
    if (!experts.includes(expert) && !spec.drop.includes(expert as ExperimentExpert)) throw new Error(`${source}: no '${expert}' labels to corrupt`);
  }
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const expert of experts) {
    if (spec.drop.includes(expert as ExperimentExpert) || spec.pureNoise.includes(expert as ExperimentExpert)) continue;
    const fraction = spec.noise[expert as ExperimentExpert] ?? 0;
    if (!fraction) {
      link(join(source, expert), join(tmp, expert));
      continue;
    }
    for (const file of listFiles(join(source, expert))) {
      const from = join(source, expert, file);
      if (!file.endsWith('.png')) {
        link(from, join(tmp, expert, file));
        continue;
      }
      const raster = expert === 'normal' ? await decodeRgb(from) : await decodeGrey(from);
      const rng = new SeededRng(mixSeed(spec.seed, hashPath(`${expert}/${file}`)));
      mkdirSync(dirname(join(tmp, expert, file)), { recursive: true });
      writeFileSync(join(tmp, expert, file), encodePng(corruptLabelRaster(raster, expert, fraction, rng)));
    }
  }
  if (spec.pureNoise.length > 0) {
    // One label per image: the file list and sizes of a real expert that exists for every image.
    const template = ['depth', 'edge', 'normal', 'seg_coco'].find((e) => experts.includes(e));
    if (!template) throw new Error(`${source}: no depth, edge, normal or seg_coco labels to take the image list from for a noise expert`);
    for (const file of listFiles(join(source, template)).filter((f) => f.endsWith('.png'))) {
      const size = await decodeGrey(join(source, template, file));
      for (const expert of spec.pureNoise) {
        const rng = new SeededRng(mixSeed(spec.seed, hashPath(`pure/${expert}/${file}`)));
        mkdirSync(dirname(join(tmp, expert, file)), { recursive: true });
        writeFileSync(join(tmp, expert, file), encodePng(noiseLabelRaster(size.width, size.height, expert === 'normal' ? 3 : 1, rng)));
      }
    }
  }
  writeFileSync(join(tmp, 'variant.json'), `${JSON.stringify({ source, ...spec }, null, 2)}\n`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(tmp, target);
  return target;
}
