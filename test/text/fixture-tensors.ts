import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../lib/io/safetensors.js';
import type { TensorRecord } from '../../lib/io/tensor-record.js';

/** Helpers for reading the parity fixtures (test/fixtures/parity/model/<config>/) in tests. */
export const PARITY_CONFIGS = ['a_rgb', 'b_rgb_depth_normal_edge', 'c_rgb_all6'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ParityMeta = Record<string, any>;

export function loadParityConfig(config: string): { tensors: Map<string, TensorRecord>; meta: ParityMeta } {
  const dir = `test/fixtures/parity/model/${config}`;
  return { tensors: readSafetensors(`${dir}/fixtures.safetensors`).tensors, meta: JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as ParityMeta };
}

export function flat(tensors: Map<string, TensorRecord>, name: string): number[] {
  const record = tensors.get(name);
  if (!record) throw new Error(`fixture tensor '${name}' missing`);
  return Array.from(record.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** A 2-D fixture tensor as rows of numbers (I64 ids become numbers). */
export function rows2d(tensors: Map<string, TensorRecord>, name: string): number[][] {
  const record = tensors.get(name);
  if (!record || record.shape.length !== 2) throw new Error(`fixture tensor '${name}' missing or not 2-D`);
  const [r, c] = record.shape as [number, number];
  const values = flat(tensors, name);
  return Array.from({ length: r }, (_, i) => values.slice(i * c, (i + 1) * c));
}
