import { closeSync, openSync, readSync } from 'node:fs';
import { readSafetensors } from './safetensors.js';
import type { TensorRecord } from './tensor-record.js';
import { isTensorRecord, readTorchFile, type TorchValue } from './torch.js';

/** What a checkpoint file holds, decided from its first bytes (the extension is only a hint). */
export type CheckpointFormat = 'torch-zip' | 'safetensors';

export function detectCheckpointFormat(path: string): CheckpointFormat {
  const head = new Uint8Array(16);
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'torch-zip';
  if (length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) {
    throw new Error(`${path}: legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with torch.save(obj, path) from torch >= 1.6`);
  }
  if (length >= 9 && head[8] === 0x7b) return 'safetensors';
  throw new Error(`${path}: neither a torch.save zip archive nor a safetensors file (first bytes ${[...head.subarray(0, Math.min(length, 8))].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`);
}

export interface ReadStateDictOptions {
  /** Take the state_dict from this key of a wrapping dict (e.g. 'model' for `{'model': sd, 'epoch': 3}`). */
  key?: string;
}

/**
 * Reads a `torch.save(model.state_dict())` file (`.pt`, `.pth`, `pytorch_model.bin`) as name → tensor,
 * in file order. Tied weights (two names, one storage) share memory: treat records as read-only.
 */
export function readStateDict(path: string, options: ReadStateDictOptions = {}): Map<string, TensorRecord> {
  let value: TorchValue = readTorchFile(path);
  if (options.key !== undefined) {
    if (!(value instanceof Map) || !value.has(options.key)) throw new Error(`${path}: top-level dict has no key '${options.key}'`);
    value = value.get(options.key)!;
  }
  return asStateDict(value, path);
}

function asStateDict(value: TorchValue, path: string): Map<string, TensorRecord> {
  if (!(value instanceof Map)) throw new Error(`${path}: expected a dict of tensors (a state_dict), found ${describe(value)}`);
  const out = new Map<string, TensorRecord>();
  for (const [key, entry] of value) {
    if (typeof key !== 'string') throw new Error(`${path}: state_dict key ${String(key)} is not a string`);
    if (!isTensorRecord(entry)) {
      const nested = [...value.entries()].find(([, v]) => v instanceof Map && [...v.values()].some(isTensorRecord));
      const hint = nested ? ` (the tensors seem to be under key '${String(nested[0])}': pass { key: '${String(nested[0])}' })` : '';
      throw new Error(`${path}: entry '${key}' is ${describe(entry)}, not a tensor${hint}`);
    }
    out.set(key, entry);
  }
  return out;
}

function describe(value: TorchValue): string {
  if (value === null) return 'None';
  if (isTensorRecord(value)) return `a tensor ${value.dtype}[${value.shape.join(', ')}]`;
  if (value instanceof Map) return `a dict with ${value.size} entries`;
  if (Array.isArray(value)) return `a ${Object.isFrozen(value) ? 'tuple' : 'list'} of ${value.length}`;
  if (value instanceof Uint8Array) return `bytes (${value.byteLength})`;
  return `a ${typeof value}`;
}

/** Reads a checkpoint's tensors from a torch zip (`.pt`/`.pth`/`.bin`) or a safetensors file. */
export function readCheckpoint(path: string, options: ReadStateDictOptions = {}): Map<string, TensorRecord> {
  const format = detectCheckpointFormat(path);
  if (format === 'safetensors') {
    if (options.key !== undefined) throw new Error(`${path}: safetensors files are flat; option key '${options.key}' does not apply`);
    return readSafetensors(path).tensors;
  }
  return readStateDict(path, options);
}
