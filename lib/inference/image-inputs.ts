import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeRgb } from '../data/decode.js';
import { readExpertLabels, type LabelExpert } from '../data/expert-labels.js';
import { readFeatureTables, type ExpertFeatureTables } from '../data/feature-tables.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { postLabelProcess, type ExpertInputs as HostExpertInputs } from '../data/post-label.js';
import { applyPrismerTransform } from '../data/transform.js';
import type { ExpertInputs } from '../model/encoder/expert-encoder.js';
import { prismerHome } from '../hub/catalog.js';

/**
 * Image files (and their expert labels) → model inputs, through the official test-time pipeline
 * (`Transform(train=False)`, `post_label_process`). Labels are found where the official expert
 * scripts write them: an image `.../<A>/<B>/<name>.<ext>` has its labels at
 * `<labels>/<expert>/<A>/<B>/<name>.png` (+ `.json` for obj_detection, `.pt` for ocr_detection),
 * e.g. the demo's `helpers/images/x.jpg` → `helpers/labels/depth/helpers/images/x.png`.
 */

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;

/** Image paths of arguments that are files or folders (folders: their images, sorted, not recursive). */
export function listImages(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`${path}: no such image or folder`);
    if (statSync(path).isDirectory()) {
      const images = readdirSync(path).filter((f) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase())).sort();
      if (images.length === 0) throw new Error(`${path}: folder holds no .jpg/.jpeg/.png images`);
      out.push(...images.map((f) => join(path, f)));
    } else {
      out.push(path);
    }
  }
  return out;
}

/** The official label location parts of an image path: label dataset folder `<A>` and image `<B>/<name>`. */
export function labelLocation(imagePath: string): { dataset: string; image: string } {
  const full = resolve(imagePath);
  return { dataset: basename(dirname(dirname(full))), image: `${basename(dirname(full))}/${basename(full)}` };
}

export interface ImageInputOptions {
  /** Label experts the model reads ([] for PrismerZ). */
  experts: readonly LabelExpert[];
  /** rgb side (official 480 fine-tuned models, 224 pre-trained). */
  resolution: number;
  /** Label side (official 224). */
  labelResolution?: number;
  /** The labels root; required when `experts` is not empty. */
  labelPath?: string;
  /** Feature tables for seg / obj_detection / ocr_detection (default: see `defaultFeatureTablesDir`). */
  featureTables?: ExpertFeatureTables;
  /** Replace missing label files by the official fallbacks instead of failing. Default false. */
  allowMissingLabels?: boolean;
}

/** Where the 64-d feature tables are looked up: PRISMER_FEATURE_TABLES, `<home>/feature-tables`, then the repository's copy. */
export function defaultFeatureTablesDir(): string {
  const candidates = [process.env.PRISMER_FEATURE_TABLES, join(prismerHome(), 'feature-tables'), join(process.cwd(), 'test', 'fixtures', 'feature-tables')];
  const found = candidates.find((c): c is string => typeof c === 'string' && existsSync(join(c, 'background_features.pt')));
  if (!found) throw new Error(`feature tables (coco_features.pt, detection_features.pt, background_features.pt) not found; copy the official dataset/*.pt files to ${join(prismerHome(), 'feature-tables')} or set PRISMER_FEATURE_TABLES`);
  return found;
}

const NEEDS_TABLES: readonly LabelExpert[] = ['seg_coco', 'seg_ade', 'obj_detection', 'ocr_detection'];

/** Images through the test-time pipeline, on the host: rgb CHW [3, R, R] and dense expert inputs per image. */
export interface ImageBatch {
  images: string[];
  resolution: number;
  labelResolution: number;
  experts: readonly LabelExpert[];
  samples: Array<{ rgb: Float32Array; experts: HostExpertInputs }>;
}

/** Decodes and transforms images (and labels) into one host batch. */
export async function loadImageBatch(images: readonly string[], options: ImageInputOptions): Promise<ImageBatch> {
  if (images.length === 0) throw new Error('loadImageBatch: no images');
  if (options.experts.length > 0 && !options.labelPath) {
    throw new Error(`this model reads expert labels (${options.experts.join(', ')}) but no labels folder was given`);
  }
  const tables = options.experts.some((e) => NEEDS_TABLES.includes(e)) ? options.featureTables ?? readFeatureTables(defaultFeatureTablesDir()) : undefined;
  const labelResolution = options.labelResolution ?? 224;
  const fallbacks = new LabelFallbackCounter(() => {});
  const samples: ImageBatch['samples'] = [];
  for (const path of images) {
    const decoded = await decodeRgb(path);
    const where = labelLocation(path);
    const set = await readExpertLabels({
      labelPath: options.labelPath ?? '', dataset: where.dataset, image: where.image, experts: options.experts,
      imageWidth: decoded.width, imageHeight: decoded.height, fallbacks,
    });
    if (!options.allowMissingLabels) {
      const missing = fallbacks.entries().filter((e) => e.reason === 'missing');
      if (missing.length > 0) {
        throw new Error(`${path}: expert label ${missing.map((m) => `${m.expert} (${m.example})`).join(', ')} not found; generate labels with the official experts/generate_*.py scripts into ${options.labelPath}`);
      }
    }
    const transformed = await applyPrismerTransform(decoded, set.labels, { resolution: options.resolution, labelResolution });
    samples.push({ rgb: transformed.rgb, experts: postLabelProcess(transformed.labels, set, tables ?? ({} as ExpertFeatureTables), path) });
  }
  return { images: [...images], resolution: options.resolution, labelResolution, experts: [...options.experts], samples };
}

function stack(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Model input tensors of a host batch (the caller disposes them with `disposeExpertInputs`). */
export function batchToModelInputs(batch: ImageBatch): ExpertInputs {
  const b = batch.samples.length;
  const r = batch.resolution;
  const h = batch.labelResolution;
  const inputs: ExpertInputs = { rgb: tf.tensor4d(stack(batch.samples.map((s) => s.rgb)), [b, 3, r, r]) };
  for (const expert of batch.experts) {
    const values = batch.samples.map((s, i) => {
      const value = s.experts[expert];
      if (value === undefined) throw new Error(`${batch.images[i]}: no '${expert}' input after post_label_process`);
      return value;
    });
    if (expert === 'obj_detection') {
      const v = values as Array<{ label: Float32Array; instance: Int32Array }>;
      const instance = new Int32Array(b * h * h);
      v.forEach((x, i) => instance.set(x.instance, i * h * h));
      inputs[expert] = { label: tf.tensor4d(stack(v.map((x) => x.label)), [b, 64, h, h]), instance: tf.tensor4d(instance, [b, 1, h, h], 'int32') };
    } else {
      const data = stack(values as Float32Array[]);
      inputs[expert] = tf.tensor4d(data, [b, data.length / (b * h * h), h, h]);
    }
  }
  return inputs;
}
