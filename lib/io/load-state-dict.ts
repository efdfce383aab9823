import * as tf from '@tensorflow/tfjs';
import { interpolatePosEmbed } from '../nn/interpolate.js';
import type { TensorRecord } from './tensor-record.js';
import { tensorFromRecord } from './tensor-convert.js';

/**
 * Maps an official state_dict 1:1 onto a model's named parameters (`Map<name, tf.Variable>` keyed by the
 * official names), reporting every difference by name: missing and unexpected keys, shape mismatches,
 * tied aliases, ignored integer buffers, resized positional embeddings.
 */

/** HF `tie_weights` aliases in Prismer's state_dicts: alias → the parameter it shares storage with. */
export const PRISMER_TIED_ALIASES: Readonly<Record<string, string>> = {
  'text_decoder.lm_head.decoder.weight': 'text_decoder.roberta.embeddings.word_embeddings.weight',
  'text_decoder.lm_head.decoder.bias': 'text_decoder.lm_head.bias',
};

/** Parameters whose token grid is bicubically resized when the checkpoint's grid differs (official `interpolate_pos_embed`). */
export const PRISMER_RESIZABLE_POSITIONAL_EMBEDDINGS: readonly string[] = ['expert_encoder.positional_embedding'];

/** Integer buffers a model may legitimately not hold (`position_ids`, BatchNorm `num_batches_tracked`). */
export function isIgnorableBuffer(name: string, record: TensorRecord): boolean {
  const integer = record.dtype === 'I64' || record.dtype === 'I32';
  return integer && /(^|\.)(position_ids|num_batches_tracked)$/.test(name);
}

export interface StateDictLoadOptions {
  /** Throw a one-line summary on any missing/unexpected key or shape mismatch, before assigning anything (default true). */
  strict?: boolean;
  /** Tied aliases (alias → target); either name may fill the other. Default: PRISMER_TIED_ALIASES. */
  aliases?: Readonly<Record<string, string>>;
  /** State_dict entries absent from the model that are reported as ignored, not unexpected. Default: isIgnorableBuffer. */
  ignoreBuffer?: (name: string, record: TensorRecord) => boolean;
  /** [N, D] token-grid embeddings resized (bicubic) when the checkpoint has another square grid. Default: PRISMER_RESIZABLE_POSITIONAL_EMBEDDINGS. */
  resizable?: readonly string[];
  /** The checkpoint's file name, for error messages. */
  source?: string;
}

export interface ShapeMismatch {
  name: string;
  model: number[];
  checkpoint: number[];
}

export interface StateDictLoadReport {
  /** Model parameters that received a value, with the state_dict key it came from when that differs (aliases). */
  loaded: Array<{ name: string; from: string }>;
  missing: string[];
  unexpected: string[];
  shapeMismatches: ShapeMismatch[];
  /** State_dict keys skipped because they alias a parameter loaded under its other name. */
  tiedAliases: string[];
  /** Alias pairs whose two state_dict entries hold different values (the checkpoint is not tied). */
  aliasConflicts: string[];
  ignoredBuffers: string[];
  resized: Array<{ name: string; checkpoint: number[]; model: number[] }>;
}

/** What the model side provides per parameter: its shape (a tf.Variable qualifies). */
export interface ParameterShape {
  readonly shape: readonly number[];
}

interface Plan {
  report: StateDictLoadReport;
  /** parameter name → state_dict key providing its value */
  sources: Map<string, string>;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function squareSide(n: number): number | undefined {
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? side : undefined;
}

function resizableTo(record: TensorRecord, model: readonly number[]): boolean {
  return record.shape.length === 2 && model.length === 2 && record.shape[1] === model[1]
    && squareSide(record.shape[0]!) !== undefined && squareSide(model[0]!) !== undefined;
}

function sameValues(a: TensorRecord, b: TensorRecord): boolean {
  if (a.data === b.data) return true;
  if (a.dtype !== b.dtype || !sameShape(a.shape, b.shape) || a.data.length !== b.data.length) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function planLoad(params: ReadonlyMap<string, ParameterShape>, stateDict: ReadonlyMap<string, TensorRecord>, options: StateDictLoadOptions): Plan {
  const aliases = options.aliases ?? PRISMER_TIED_ALIASES;
  const ignoreBuffer = options.ignoreBuffer ?? isIgnorableBuffer;
  const resizable = new Set(options.resizable ?? PRISMER_RESIZABLE_POSITIONAL_EMBEDDINGS);
  const partner = new Map<string, string>();
  for (const [alias, target] of Object.entries(aliases)) {
    partner.set(alias, target);
    partner.set(target, alias);
  }
  const report: StateDictLoadReport = { loaded: [], missing: [], unexpected: [], shapeMismatches: [], tiedAliases: [], aliasConflicts: [], ignoredBuffers: [], resized: [] };
  const sources = new Map<string, string>();

  for (const [name, param] of params) {
    const other = partner.get(name);
    const from = stateDict.has(name) ? name : other !== undefined && stateDict.has(other) ? other : undefined;
    if (from === undefined) {
      report.missing.push(name);
      continue;
    }
    const record = stateDict.get(from)!;
    if (!sameShape(record.shape, param.shape)) {
      if (resizable.has(name) && resizableTo(record, param.shape)) {
        report.resized.push({ name, checkpoint: [...record.shape], model: [...param.shape] });
      } else {
        report.shapeMismatches.push({ name, model: [...param.shape], checkpoint: [...record.shape] });
        continue;
      }
    }
    sources.set(name, from);
    report.loaded.push({ name, from });
  }
  for (const [key, record] of stateDict) {
    if (params.has(key)) continue;
    const other = partner.get(key);
    if (other !== undefined && params.has(other)) {
      report.tiedAliases.push(key);
      const target = stateDict.get(other);
      if (target && !sameValues(record, target)) report.aliasConflicts.push(`${key} ≠ ${other}`);
    } else if (ignoreBuffer(key, record)) {
      report.ignoredBuffers.push(key);
    } else {
      report.unexpected.push(key);
    }
  }
  return { report, sources };
}

function listed(names: string[], limit = 4): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown}, … ${names.length - limit} more` : shown;
}

/** The one-line summary of what prevents a strict load, or undefined when the load is clean. */
export function stateDictProblems(report: StateDictLoadReport): string | undefined {
  const parts: string[] = [];
  if (report.missing.length) parts.push(`${report.missing.length} missing key(s): ${listed(report.missing)}`);
  if (report.unexpected.length) parts.push(`${report.unexpected.length} unexpected key(s): ${listed(report.unexpected)}`);
  if (report.shapeMismatches.length) {
    const items = report.shapeMismatches.map((m) => `${m.name} checkpoint [${m.checkpoint.join(', ')}] vs model [${m.model.join(', ')}]`);
    parts.push(`${report.shapeMismatches.length} shape mismatch(es): ${listed(items, 3)}`);
  }
  if (report.aliasConflicts.length) parts.push(`tied aliases with different values: ${listed(report.aliasConflicts)}`);
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Compares a state_dict with the model's parameter shapes without touching any values. In strict mode
 * (default) throws the one-line summary; otherwise returns the report.
 */
export function checkStateDict(params: ReadonlyMap<string, ParameterShape>, stateDict: ReadonlyMap<string, TensorRecord>, options: StateDictLoadOptions = {}): StateDictLoadReport {
  const { report } = planLoad(params, stateDict, options);
  const problems = stateDictProblems(report);
  if (problems && (options.strict ?? true)) throw new Error(`${options.source ?? 'state_dict'}: does not match the model: ${problems}`);
  return report;
}

/**
 * Assigns state_dict values to the model's variables (float16/bfloat16/float64/int values converted to
 * each variable's dtype). Strict mode (default) checks everything first and assigns nothing on error;
 * non-strict mode loads what matches and returns the report of the rest.
 */
export function loadStateDictInto(
  params: ReadonlyMap<string, tf.Variable> | Iterable<readonly [string, tf.Variable]>,
  stateDict: ReadonlyMap<string, TensorRecord>,
  options: StateDictLoadOptions = {},
): StateDictLoadReport {
  const variables = params instanceof Map ? (params as ReadonlyMap<string, tf.Variable>) : new Map(params as Iterable<readonly [string, tf.Variable]>);
  const { report, sources } = planLoad(variables, stateDict, options);
  const problems = stateDictProblems(report);
  if (problems && (options.strict ?? true)) throw new Error(`${options.source ?? 'state_dict'}: does not match the model: ${problems}`);
  const what = (from: string) => `${options.source ?? 'state_dict'}: '${from}'`;
  // Integer and bool values are converted before any variable changes: one that does not fit
  // (an int64 beyond int32) fails the whole load instead of leaving it half done.
  const prepared = new Map<string, tf.Tensor>();
  try {
    for (const [name, from] of sources) {
      const variable = variables.get(name)!;
      if (variable.dtype !== 'float32') prepared.set(name, tensorFromRecord(stateDict.get(from)!, variable.dtype, what(from)));
    }
    for (const [name, from] of sources) {
      const variable = variables.get(name)!;
      const record = stateDict.get(from)!;
      tf.tidy(() => {
        let value = prepared.get(name) ?? tensorFromRecord(record, variable.dtype, what(from));
        if (!sameShape(record.shape, variable.shape)) value = interpolatePosEmbed(value as tf.Tensor2D, variable.shape[0]!);
        variable.assign(value);
      });
    }
  } finally {
    tf.dispose([...prepared.values()]);
  }
  return report;
}
