import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../io/atomic.js';
import { readSafetensors, serializeSafetensors } from '../io/safetensors.js';
import type { TensorRecord } from '../io/tensor-record.js';
import type { ParameterStore } from '../nn/parameters.js';
import type { AdamW } from './adamw.js';

/** Where training stands, saved next to the weights (`trainer_state.json`). */
export interface TrainerState {
  format: 'prismer-ts/trainer-state@1';
  task: string;
  /** Optimiser steps taken so far (global). */
  step: number;
  /** Epoch in progress (0-based) and how many of its optimiser steps are done. */
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** The seed everything random derives from (data order per epoch, augmentation, dropout per step). */
  seed: number;
  /** Mean training loss of the steps logged so far in the current epoch (for the resumed log). */
  epochLossSum: number;
  lr: number;
  /** Steps the run plans in total when a time budget cut it short of max_epoch (null: max_epoch × stepsPerEpoch). */
  plannedSteps: number | null;
  /** The resolved experiment config the run was started with. */
  config: unknown;
  savedAt: string;
  reason: 'epoch' | 'interrupt' | 'final' | 'manual';
}

const MODEL_FILE = 'model.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer_state.json';
const LATEST_FILE = 'latest.json';

/** Parameters and buffers of a store as host tensors under their official names. */
export async function storeRecords(store: ParameterStore): Promise<Map<string, TensorRecord>> {
  const out = new Map<string, TensorRecord>();
  for (const [name, variable] of store.entries()) {
    if (variable.dtype === 'float32') out.set(name, { dtype: 'F32', shape: [...variable.shape], data: (await variable.data()) as Float32Array });
    else if (variable.dtype === 'int32') out.set(name, { dtype: 'I32', shape: [...variable.shape], data: (await variable.data()) as Int32Array });
    else throw new Error(`checkpoint: parameter '${name}' has dtype ${variable.dtype}; only float32 and int32 are saved`);
  }
  return out;
}

/** Assigns saved values to the store; every parameter of the store must be present with its shape. */
export function assignStoreRecords(store: ParameterStore, records: ReadonlyMap<string, TensorRecord>, source: string): void {
  for (const [name, variable] of store.entries()) {
    const record = records.get(name);
    if (!record) throw new Error(`${source}: missing parameter '${name}'`);
    if (record.shape.join(',') !== variable.shape.join(',')) {
      throw new Error(`${source}: parameter '${name}' has shape [${record.shape}], the model expects [${variable.shape}]`);
    }
    const expected = variable.dtype === 'int32' ? 'I32' : 'F32';
    if (record.dtype !== expected) throw new Error(`${source}: parameter '${name}' must be ${expected}, got ${record.dtype}`);
    tf.tidy(() => variable.assign(tf.tensor(record.data as Float32Array | Int32Array, variable.shape, variable.dtype)));
  }
}

/**
 * Saves a checkpoint under `<dir>/step-<n>/` and then points `<dir>/latest.json` at it. The step folder
 * is written under a temporary name and renamed when complete, and latest.json is replaced atomically,
 * so a kill at any moment leaves the previous checkpoint intact and reachable. Keeps the newest
 * `keep` step folders.
 */
export async function saveTrainingCheckpoint(dir: string, store: ParameterStore, optimizer: AdamW, state: TrainerState, keep = 2): Promise<string> {
  const name = `step-${String(state.step).padStart(8, '0')}`;
  const final = join(dir, name);
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  mkdirSync(temporary, { recursive: true });
  const modelBytes = serializeSafetensors(await storeRecords(store), { format: 'pt', step: String(state.step) });
  const optimizerBytes = serializeSafetensors(await optimizer.stateRecords(), { step: String(optimizer.stepCount) });
  writeFileSync(join(temporary, MODEL_FILE), modelBytes);
  writeFileSync(join(temporary, OPTIMIZER_FILE), optimizerBytes);
  writeFileSync(join(temporary, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  if (existsSync(final)) rmSync(final, { recursive: true, force: true });
  renameSync(temporary, final);
  writeFileAtomic(join(dir, LATEST_FILE), `${JSON.stringify({ checkpoint: name, step: state.step, epoch: state.epoch, savedAt: state.savedAt })}\n`);
  pruneCheckpoints(dir, keep, name);
  return final;
}

function pruneCheckpoints(dir: string, keep: number, current: string): void {
  const steps = readdirSync(dir).filter((entry) => /^step-\d+$/.test(entry)).sort();
  for (const entry of steps.slice(0, Math.max(0, steps.length - keep))) if (entry !== current) rmSync(join(dir, entry), { recursive: true, force: true });
  // Temporary folders of runs that were killed while saving.
  for (const entry of readdirSync(dir)) if (entry.startsWith('.step-') && entry.endsWith('.tmp') && !entry.includes(`.${process.pid}.`)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/**
 * Finds the checkpoint folder a `--from-checkpoint` path means: a step folder itself, a checkpoint
 * folder with latest.json, or a run folder holding `checkpoints/latest.json`.
 */
export function resolveCheckpointPath(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new Error(`--from-checkpoint: '${path}' does not exist`);
  if (!statSync(absolute).isDirectory()) {
    if (basename(absolute) === STATE_FILE || basename(absolute) === MODEL_FILE) return dirname(absolute);
    throw new Error(`--from-checkpoint: '${path}' is a file; give a checkpoint folder (with ${STATE_FILE}) or a run folder`);
  }
  if (existsSync(join(absolute, STATE_FILE))) return absolute;
  for (const candidate of [absolute, join(absolute, 'checkpoints')]) {
    const latest = join(candidate, LATEST_FILE);
    if (!existsSync(latest)) continue;
    let parsed: { checkpoint?: unknown };
    try {
      parsed = JSON.parse(readFileSync(latest, 'utf8')) as { checkpoint?: unknown };
    } catch (error) {
      throw new Error(`${latest}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed.checkpoint !== 'string') throw new Error(`${latest}: field 'checkpoint' must name a step folder`);
    const target = join(candidate, parsed.checkpoint);
    if (!existsSync(join(target, STATE_FILE))) throw new Error(`${latest}: points at '${parsed.checkpoint}', which has no ${STATE_FILE}`);
    return target;
  }
  throw new Error(`--from-checkpoint: '${path}' holds neither ${STATE_FILE} nor ${LATEST_FILE} (nor checkpoints/${LATEST_FILE})`);
}

export interface LoadedCheckpoint {
  path: string;
  state: TrainerState;
  model: Map<string, TensorRecord>;
  optimizer: Map<string, TensorRecord>;
}

/** Reads a checkpoint folder written by saveTrainingCheckpoint (see resolveCheckpointPath for the accepted paths). */
export function readTrainingCheckpoint(path: string): LoadedCheckpoint {
  const folder = resolveCheckpointPath(path);
  const statePath = join(folder, STATE_FILE);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainerState;
  } catch (error) {
    throw new Error(`${statePath}: not valid JSON (${(error as Error).message})`);
  }
  if (state.format !== 'prismer-ts/trainer-state@1') throw new Error(`${statePath}: field 'format' is '${String(state.format)}', expected 'prismer-ts/trainer-state@1'`);
  for (const field of ['step', 'epoch', 'stepInEpoch', 'stepsPerEpoch', 'seed'] as const) {
    if (!Number.isInteger(state[field]) || state[field] < 0) throw new Error(`${statePath}: field '${field}' must be an integer >= 0`);
  }
  const model = readSafetensors(join(folder, MODEL_FILE)).tensors;
  const optimizer = readSafetensors(join(folder, OPTIMIZER_FILE)).tensors;
  return { path: folder, state, model, optimizer };
}

/** Reads only the model weights of a training checkpoint (for eval). */
export function readCheckpointWeights(path: string): Map<string, TensorRecord> {
  const folder = resolveCheckpointPath(path);
  return readSafetensors(join(folder, MODEL_FILE)).tensors;
}
