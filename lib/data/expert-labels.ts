/**
 * Reads the expert labels of one image from the official folder layout
 * `{label_path}/{expert}/{dataset}/{image with its extension replaced by .png}` (+ `.json` instance ->
 * class map for obj_detection, `.pt` per-image word features for ocr_detection), with the official
 * fallbacks: an empty (or, here, also a missing) label file becomes zeros (depth/normal/edge/seg)
 * or all-background 255 (obj_detection); OCR falls back to background when its `.pt` is absent.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelRasters } from './augment.js';
import { decodeGrey, decodeRgb } from './decode.js';
import type { LabelFallbackCounter } from './label-fallbacks.js';
import type { RasterU8 } from './pil-resize.js';
import { readTorchFile } from '../io/torch.js';
import { FEATURE_DIM } from './feature-tables.js';
import { toFloat32, type TensorRecord } from '../io/tensor-record.js';

export const LABEL_EXPERTS = ['depth', 'normal', 'seg_coco', 'seg_ade', 'edge', 'obj_detection', 'ocr_detection'] as const;
export type LabelExpert = (typeof LABEL_EXPERTS)[number];
/** Model input names: 'rgb' plus the label experts. */
export type ExpertName = 'rgb' | LabelExpert;

export function isLabelExpert(name: string): name is LabelExpert {
  return (LABEL_EXPERTS as readonly string[]).includes(name);
}

export interface OcrWord {
  /** [64] PCA-reduced CLIP text feature of the word. */
  features: Float32Array;
  text: string;
}

export interface ExpertLabelSet {
  labels: LabelRasters;
  /** obj_detection instance id -> detection class id (the `.json`). */
  detectionClasses?: Map<number, number>;
  /** ocr_detection word id -> features (the `.pt`), null when the official fallback applied. */
  ocrWords?: Map<number, OcrWord> | null;
}

/** Official `image_path.replace(f'.{ext}', '.png')` (every occurrence, as Python's str.replace). */
export function labelFilePath(labelPath: string, expert: string, dataset: string, image: string, extension: '.png' | '.json' | '.pt'): string {
  const ext = image.split('.').pop() ?? '';
  return join(labelPath, expert, dataset, image.split(`.${ext}`).join(extension));
}

function fileState(path: string): 'ok' | 'missing' | 'empty' {
  if (!existsSync(path)) return 'missing';
  return statSync(path).size > 0 ? 'ok' : 'empty';
}

function constant(width: number, height: number, channels: number, value: number): RasterU8 {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(value) };
}

/** Parses an obj_detection `.json` ({"0": class, ...}). */
export function parseDetectionClasses(text: string, source: string): Map<number, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${source}: expected an object {instance id: class id}`);
  const out = new Map<number, number>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!/^\d+$/.test(key)) throw new Error(`${source}: key '${key}' is not an instance id (non-negative integer)`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`${source}: instance '${key}': class id must be a non-negative integer, got ${JSON.stringify(value)}`);
    out.set(Number(key), value);
  }
  return out;
}

/** Reads an ocr_detection `.pt` ({i: {'features': Tensor[64], 'text': str}}). */
export function readOcrWords(path: string): Map<number, OcrWord> {
  const value = readTorchFile(path);
  if (!(value instanceof Map)) throw new Error(`${path}: expected a dict {word id: {'features', 'text'}}`);
  const out = new Map<number, OcrWord>();
  for (const [key, entry] of value) {
    if (typeof key !== 'number') throw new Error(`${path}: key ${JSON.stringify(key)} is not an integer word id`);
    const features = entry instanceof Map ? (entry.get('features') as TensorRecord | undefined) : undefined;
    const text = entry instanceof Map ? entry.get('text') : undefined;
    if (!features || typeof features !== 'object' || !('shape' in features) || features.shape.reduce((a, b) => a * b, 1) !== FEATURE_DIM) {
      throw new Error(`${path}: word ${key}: 'features' must be a tensor of ${FEATURE_DIM} values`);
    }
    if (typeof text !== 'string') throw new Error(`${path}: word ${key}: 'text' must be a string`);
    out.set(key, { features: toFloat32(features), text });
  }
  return out;
}

export interface ReadExpertLabelsOptions {
  labelPath: string;
  /** Label sub-folder: 'vqav2', 'vg', 'nocaps', … (the official loaders pick it per dataset). */
  dataset: string;
  /** Image path relative to the dataset folder, as in the data list. */
  image: string;
  experts: readonly LabelExpert[];
  /** Size of the decoded image (fallback labels have this size). */
  imageWidth: number;
  imageHeight: number;
  fallbacks: LabelFallbackCounter;
}

/** Reads every requested expert's label for one image (the official `get_expert_labels`). */
export async function readExpertLabels(options: ReadExpertLabelsOptions): Promise<ExpertLabelSet> {
  const { labelPath, dataset, image, imageWidth: w, imageHeight: h, fallbacks } = options;
  const result: ExpertLabelSet = { labels: {} };
  for (const expert of options.experts) {
    const png = labelFilePath(labelPath, expert, dataset, image, '.png');
    if (expert === 'ocr_detection') {
      const pt = labelFilePath(labelPath, expert, dataset, image, '.pt');
      if (existsSync(pt)) {
        result.labels[expert] = await decodeGrey(png);
        result.ocrWords = readOcrWords(pt);
      } else {
        fallbacks.record(expert, 'no-ocr-features', pt);
        result.labels[expert] = constant(w, h, 1, 255);
        result.ocrWords = null;
      }
      continue;
    }
    const state = fileState(png);
    if (state !== 'ok') fallbacks.record(expert, state, png);
    if (expert === 'normal') {
      result.labels[expert] = state === 'ok' ? await decodeRgb(png) : constant(w, h, 3, 0);
    } else if (expert === 'obj_detection') {
      result.labels[expert] = state === 'ok' ? await decodeGrey(png) : constant(w, h, 1, 255);
      const json = labelFilePath(labelPath, expert, dataset, image, '.json');
      if (existsSync(json)) result.detectionClasses = parseDetectionClasses(readFileSync(json, 'utf8'), json);
      else if (state === 'ok') throw new Error(`${json}: missing (obj_detection needs the instance -> class map next to ${png})`);
      else result.detectionClasses = new Map();
    } else {
      result.labels[expert] = state === 'ok' ? await decodeGrey(png) : constant(w, h, 1, 0);
    }
  }
  return result;
}
