// Shared by the encoder parity tests: fixture paths, weight loading by name, inputs, comparisons.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { toFloat32, toInt32, type TensorRecord } from '../../lib/io/tensor-record.js';
import type { ParameterStore } from '../../lib/nn/parameters.js';
import type { EncoderInputs } from '../../lib/model/encoder/index.js';

export const PARITY = 'test/fixtures/parity';
export const CONFIGS = ['a_rgb', 'b_rgb_depth_normal_edge', 'c_rgb_all6'] as const;
export type ParityConfig = (typeof CONFIGS)[number];

export interface ConfigMeta {
  experts_order: string[];
  config_experts: string[];
  instance_rows_seeded?: { python_random_seed: number; mapping_instance_id_to_row: Record<string, number> };
  instance_rows_prescribed?: { mapping_instance_id_to_row: Record<string, number> };
}

export function readMeta(config: ParityConfig): ConfigMeta {
  return JSON.parse(readFileSync(`${PARITY}/model/${config}/meta.json`, 'utf8')) as ConfigMeta;
}

export function keysOf(config: ParityConfig): string[] {
  const keysets = JSON.parse(readFileSync(`${PARITY}/weights/keysets.json`, 'utf8')) as { configs: Record<string, string[]> };
  return keysets.configs[config]!;
}

let superset: Map<string, TensorRecord> | undefined;
export function supersetWeights(): Map<string, TensorRecord> {
  superset ??= readSafetensors(`${PARITY}/weights/prismer_tiny_superset.safetensors`).tensors;
  return superset;
}

/** Copies every store entry under `prefix` from the fixture weights (by exact name, checking shapes). */
export function loadFixtureWeights(store: ParameterStore, prefix = 'expert_encoder.'): void {
  const weights = supersetWeights();
  for (const [name, variable] of store.entries()) {
    if (!name.startsWith(prefix)) continue;
    const record = weights.get(name);
    if (!record) throw new Error(`fixture weights lack '${name}'`);
    if (record.shape.join(',') !== variable.shape.join(',')) throw new Error(`'${name}': fixture [${record.shape}] vs model [${variable.shape}]`);
    const value = variable.dtype === 'int32' ? tf.tensor(toInt32(record, name), record.shape, 'int32') : tf.tensor(toFloat32(record), record.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
}

let inputsFile: Map<string, TensorRecord> | undefined;
function inputRecords(): Map<string, TensorRecord> {
  inputsFile ??= readSafetensors(`${PARITY}/model/inputs.safetensors`).tensors;
  return inputsFile;
}

/** Dense [B, 64, H, W] map of a table/index pair: dense[b, :, h, w] = table[index[b, h, w]]. */
function denseFromTable(name: string): tf.Tensor4D {
  const records = inputRecords();
  const table = records.get(`${name}.table`)!;
  const index = records.get(`${name}.index`)!;
  const [b, h, w] = index.shape as [number, number, number];
  return tf.tidy(() => {
    const rows = tf.gather(tf.tensor2d(toFloat32(table), table.shape as [number, number]), tf.tensor1d(Int32Array.from(index.data as Uint8Array), 'int32'));
    return tf.transpose(tf.reshape(rows, [b, h, w, table.shape[1]!]), [0, 3, 1, 2]) as tf.Tensor4D;
  });
}

/** The encoder inputs of a config, keys in the fixture's experts order. */
export function fixtureInputs(config: ParityConfig): EncoderInputs {
  const records = inputRecords();
  const out: EncoderInputs = {};
  for (const key of readMeta(config).experts_order) {
    if (key === 'obj_detection') {
      const instance = records.get('obj_detection.instance')!;
      out[key] = { label: denseFromTable(key), instance: tf.tensor4d(Int32Array.from(instance.data as Uint8Array), instance.shape as [number, number, number, number], 'int32') };
    } else if (key === 'seg_coco' || key === 'ocr_detection') {
      out[key] = denseFromTable(key);
    } else {
      const r = records.get(key)!;
      out[key] = tf.tensor4d(toFloat32(r), r.shape as [number, number, number, number]);
    }
  }
  return out;
}

export function disposeInputs(inputs: EncoderInputs): void {
  for (const value of Object.values(inputs)) {
    if (value instanceof tf.Tensor) value.dispose();
    else tf.dispose([value.label, value.instance]);
  }
}

export function fixtureTensors(config: ParityConfig): Map<string, TensorRecord> {
  return readSafetensors(`${PARITY}/model/${config}/fixtures.safetensors`).tensors;
}

/** Largest |actual - expected|; throws on a shape mismatch. */
export function maxAbsDiff(actual: tf.Tensor, expected: TensorRecord, what: string): number {
  if (actual.shape.join(',') !== expected.shape.join(',')) throw new Error(`${what}: shape [${actual.shape}] vs fixture [${expected.shape}]`);
  const a = actual.dataSync();
  const e = toFloat32(expected);
  let max = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i]! - e[i]!);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

export const TOLERANCE = 1e-4;

/** Selects a tfjs backend for a test: lib/backend's `initBackend` when present, else wasm/cpu by hand. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  try {
    const backend = (await import('../../lib/backend/index.js' as string)) as { initBackend?: (name: string) => Promise<unknown> };
    if (backend.initBackend) {
      await backend.initBackend(name);
      return;
    }
  } catch {
    // lib/backend not there yet: fall through to a manual set-up.
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const dist = dirname(createRequire(`${process.cwd()}/package.json`).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
}
