import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeRgb } from '../data/decode.js';
import { readExpertLabels, type LabelExpert } from '../data/expert-labels.js';
import { readFeatureTables, type ExpertFeatureTables } from '../data/feature-tables.js';
import { LabelFallbackCounter } from '../data/label-fallbacks.js';
import { collatePrismerBatch, type PrismerBatch } from '../data/loader.js';
import type { PrismerSample } from '../data/datasets.js';
import { postLabelProcessCompact } from '../data/post-label.js';
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

/** Decodes, transforms and collates images (and labels) into one host batch. */
export async function loadImageBatch(images: readonly string[], options: ImageInputOptions): Promise<PrismerBatch> {
  if (images.length === 0) throw new Error('loadImageBatch: no images');
  if (options.experts.length > 0 && !options.labelPath) {
    throw new Error(`this model reads expert labels (${options.experts.join(', ')}) but no labels folder was given`);
  }
  const tables = options.experts.some((e) => NEEDS_TABLES.includes(e)) ? options.featureTables ?? readFeatureTables(defaultFeatureTablesDir()) : undefined;
  const labelResolution = options.labelResolution ?? 224;
  const fallbacks = new LabelFallbackCounter(() => {});
  const samples: PrismerSample[] = [];
  for (const [index, path] of images.entries()) {
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
    const experts = postLabelProcessCompact(transformed.labels, set, tables ?? ({} as ExpertFeatureTables), path);
    samples.push({ index, rgb: transformed.rgb, experts });
  }
  return collatePrismerBatch(samples, samples.length, options.resolution, labelResolution, options.experts);
}

/** Model input tensors of a host batch (the caller disposes them with `disposeExpertInputs`). */
export function batchToModelInputs(batch: PrismerBatch, experts: readonly LabelExpert[]): ExpertInputs {
  const b = batch.batchSize;
  const r = batch.resolution;
  const h = batch.labelResolution;
  const inputs: ExpertInputs = { rgb: tf.tensor4d(batch.rgb, [b, 3, r, r]) };
  for (const expert of experts) {
    const value = batch.experts[expert];
    if (value === undefined) throw new Error(`batchToModelInputs: the batch has no '${expert}' input`);
    if (expert === 'obj_detection') {
      const v = value as { label: Float32Array; instance: Int32Array };
      inputs[expert] = { label: tf.tensor4d(v.label, [b, 64, h, h]), instance: tf.tensor4d(v.instance, [b, 1, h, h], 'int32') };
    } else {
      const data = value as Float32Array;
      inputs[expert] = tf.tensor4d(data, [b, data.length / (b * h * h), h, h]);
    }
  }
  return inputs;
}
