/**
 * The 64-d feature tables `post_label_process` paints label ids with: CLIP text features of the
 * COCO-panoptic (133) / ADE (150) / detection (722) class names and of "background". Read from
 * the official `dataset/*.pt` files, or written in the same format for our synthetic benchmark.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toFloat32, type TensorRecord } from '../io/tensor-record.js';
import { readTorchFile, type TorchValue } from '../io/torch.js';
import { writeTorchPickle } from './torch-save.js';

export const FEATURE_DIM = 64;

export interface FeatureTable {
  labels: string[];
  /** Row-major [labels.length, 64]. */
  features: Float32Array;
}

export interface ExpertFeatureTables {
  coco: FeatureTable;
  /** Absent when `ade_features.pt` is missing (only seg_ade needs it). */
  ade?: FeatureTable;
  detection: FeatureTable;
  /** [64] */
  background: Float32Array;
}

export const FEATURE_TABLE_FILES = {
  coco: 'coco_features.pt',
  ade: 'ade_features.pt',
  detection: 'detection_features.pt',
  background: 'background_features.pt',
} as const;

function isTensor(value: TorchValue | undefined): value is TensorRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && 'dtype' in value && 'data' in value;
}

function tableFrom(value: TorchValue, path: string): FeatureTable {
  if (!(value instanceof Map)) throw new Error(`${path}: expected a dict {'labels': [...], 'features': Tensor}`);
  const labels = value.get('labels');
  const features = value.get('features');
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) throw new Error(`${path}: field 'labels' must be a list of strings`);
  if (!isTensor(features) || features.shape.length !== 2 || features.shape[1] !== FEATURE_DIM) {
    throw new Error(`${path}: field 'features' must be a tensor [N, ${FEATURE_DIM}]`);
  }
  if (features.shape[0] !== labels.length) throw new Error(`${path}: ${labels.length} labels but ${features.shape[0]} feature rows`);
  return { labels: labels as string[], features: toFloat32(features) };
}

/** Reads the official tables from a folder holding `coco_features.pt`, `detection_features.pt`, `background_features.pt` (and optionally `ade_features.pt`). */
export function readFeatureTables(dir: string): ExpertFeatureTables {
  const path = (name: string): string => join(dir, name);
  const background = readTorchFile(path(FEATURE_TABLE_FILES.background));
  if (!isTensor(background) || background.shape.length !== 1 || background.shape[0] !== FEATURE_DIM) {
    throw new Error(`${path(FEATURE_TABLE_FILES.background)}: expected a tensor [${FEATURE_DIM}]`);
  }
  const adePath = path(FEATURE_TABLE_FILES.ade);
  return {
    coco: tableFrom(readTorchFile(path(FEATURE_TABLE_FILES.coco)), path(FEATURE_TABLE_FILES.coco)),
    ade: existsSync(adePath) ? tableFrom(readTorchFile(adePath), adePath) : undefined,
    detection: tableFrom(readTorchFile(path(FEATURE_TABLE_FILES.detection)), path(FEATURE_TABLE_FILES.detection)),
    background: toFloat32(background),
  };
}

/** Writes tables in the official format (so the official PyTorch code can use them too). */
export function writeFeatureTables(dir: string, tables: ExpertFeatureTables): void {
  const table = (t: FeatureTable) => ({ dict: [['labels', t.labels], ['features', { tensor: t.features, shape: [t.labels.length, FEATURE_DIM] }]] as Array<[string, string[] | { tensor: Float32Array; shape: number[] }]> });
  writeTorchPickle(join(dir, FEATURE_TABLE_FILES.coco), table(tables.coco));
  if (tables.ade) writeTorchPickle(join(dir, FEATURE_TABLE_FILES.ade), table(tables.ade));
  writeTorchPickle(join(dir, FEATURE_TABLE_FILES.detection), table(tables.detection));
  writeTorchPickle(join(dir, FEATURE_TABLE_FILES.background), { tensor: tables.background, shape: [FEATURE_DIM] });
}

/** Row `id` of a table, with a clear error for ids past its end. */
export function featureRow(table: FeatureTable, id: number, what: string): Float32Array {
  if (!(id >= 0 && id < table.labels.length)) throw new Error(`${what}: class id ${id} is outside the feature table (${table.labels.length} classes)`);
  return table.features.subarray(id * FEATURE_DIM, (id + 1) * FEATURE_DIM);
}
