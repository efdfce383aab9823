// Reads test/fixtures/parity/ops/ops.safetensors (official PyTorch unit-op outputs, MANIFEST §5).
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { toFloat32, type TensorRecord } from '../../lib/io/tensor-record.js';

let ops: Map<string, TensorRecord> | undefined;

export function opRecord(name: string): TensorRecord {
  ops ??= readSafetensors('test/fixtures/parity/ops/ops.safetensors').tensors;
  const record = ops.get(name);
  if (!record) throw new Error(`ops.safetensors has no '${name}'`);
  return record;
}

export function opTensor(name: string): tf.Tensor {
  const record = opRecord(name);
  return tf.tensor(toFloat32(record), record.shape, 'float32');
}

export function maxDiff(actual: tf.Tensor, expectedName: string): number {
  const expected = opRecord(expectedName);
  if (actual.shape.join(',') !== expected.shape.join(',')) throw new Error(`${expectedName}: shape [${actual.shape}] vs fixture [${expected.shape}]`);
  const a = actual.dataSync();
  const e = toFloat32(expected);
  let max = 0;
  for (let i = 0; i < e.length; i++) max = Math.max(max, Math.abs(a[i]! - e[i]!));
  return Number.isNaN(max) ? Infinity : max;
}
