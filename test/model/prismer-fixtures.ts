// Shared helpers of the decoder / Prismer parity tests: fixture paths, tensor conversion, weight loading.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/init.js';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { readCheckpoint } from '../../lib/io/checkpoint.js';
import { loadStateDictInto } from '../../lib/io/load-state-dict.js';
import { toFloat32, toInt32, type TensorRecord } from '../../lib/io/tensor-record.js';
import type { ParameterStore } from '../../lib/nn/parameters.js';
import type { TextDecoderConfig } from '../../lib/model/decoder/index.js';

export const PARITY = 'test/fixtures/parity';
export const CONFIGS = ['a_rgb', 'b_rgb_depth_normal_edge', 'c_rgb_all6'] as const;
export type FixtureConfig = (typeof CONFIGS)[number];
export const TOLERANCE = 1e-4;

/** The fixtures' RoBERTa decoder (MANIFEST §1): hidden 48, 2 heads, 2 layers, vision width 32. */
export const TINY_DECODER: TextDecoderConfig = {
  hiddenSize: 48, visionHiddenSize: 32, numAttentionHeads: 2, numHiddenLayers: 2, intermediateSize: 256,
  vocabSize: 1000, maxPositionEmbeddings: 64, typeVocabSize: 1, padTokenId: 1, bosTokenId: 0, eosTokenId: 2,
  layerNormEps: 1e-5, initializerRange: 0.2,
};

const cache = new Map<string, Map<string, TensorRecord>>();

function cached(path: string, read: () => Map<string, TensorRecord>): Map<string, TensorRecord> {
  let value = cache.get(path);
  if (!value) {
    value = read();
    cache.set(path, value);
  }
  return value;
}

export function modelFixtures(config: FixtureConfig): Map<string, TensorRecord> {
  const path = `${PARITY}/model/${config}/fixtures.safetensors`;
  return cached(path, () => readSafetensors(path).tensors);
}

export function modelInputs(): Map<string, TensorRecord> {
  const path = `${PARITY}/model/inputs.safetensors`;
  return cached(path, () => readSafetensors(path).tensors);
}

export type WeightSource = 'safetensors' | 'pt';

/** The state_dict of a config: the superset safetensors or that config's torch `.pt`. */
export function fixtureWeights(config: FixtureConfig, source: WeightSource): Map<string, TensorRecord> {
  const path = source === 'pt' ? `${PARITY}/weights/prismer_tiny_${config}.pt` : `${PARITY}/weights/prismer_tiny_superset.safetensors`;
  return cached(path, () => readCheckpoint(path));
}

/** Loads the `prefix`-ed subset of a state_dict into `store` (strict: every store entry must be filled). */
export function loadWeights(store: ParameterStore, stateDict: Map<string, TensorRecord>, prefix = ''): void {
  const subset = new Map([...stateDict].filter(([key]) => key.startsWith(prefix)));
  loadStateDictInto(store.entries(), subset);
}

export function record(map: Map<string, TensorRecord>, name: string): TensorRecord {
  const value = map.get(name);
  if (!value) throw new Error(`fixture tensor '${name}' is missing`);
  return value;
}

export function floatTensor(map: Map<string, TensorRecord>, name: string): tf.Tensor {
  const r = record(map, name);
  return tf.tensor(toFloat32(r), r.shape, 'float32');
}

export function intTensor(map: Map<string, TensorRecord>, name: string): tf.Tensor {
  const r = record(map, name);
  return tf.tensor(toInt32(r, name), r.shape, 'int32');
}

export function intRows(map: Map<string, TensorRecord>, name: string): number[][] {
  const r = record(map, name);
  const flat = Array.from(toInt32(r, name));
  const width = r.shape[1] ?? 1;
  return Array.from({ length: r.shape[0]! }, (_, i) => flat.slice(i * width, (i + 1) * width));
}

/** `encoder_out` of a config, rearranged `l b d -> b l d` as the wrappers do. */
export function fixtureEncoderHidden(config: FixtureConfig): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(floatTensor(modelFixtures(config), 'encoder_out'), [1, 0, 2]) as tf.Tensor3D);
}

export function maxAbsDiff(actual: tf.Tensor, expected: tf.Tensor): number {
  if (actual.shape.join(',') !== expected.shape.join(',')) throw new Error(`shape [${actual.shape.join(', ')}] != expected [${expected.shape.join(', ')}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(actual, 'float32'), tf.cast(expected, 'float32')))).dataSync()[0]!);
}

export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  await initBackend(name);
}
