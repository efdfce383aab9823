import * as yaml from 'js-yaml';
import { EXPERT_NAMES, type ExperimentExpert } from '../config/schema.js';
import type { JsonValue } from './run-store.js';

/**
 * Sweep grids: axes `key=[v1, v2, …]` (values in YAML), crossed into cells. A key is a config key path
 * (`experts`, `freeze`, `init_lr`, `model.overrides`, …) or one of the ablation keys, which change data
 * or model in ways the config cannot express:
 *
 * | key | value | effect |
 * |---|---|---|
 * | `eval_drop` | list of experts | trained with them, evaluated with their labels removed (the official missing-label fallback) |
 * | `label_noise` | `{expert: fraction}` | that fraction of the expert's label pixels replaced by uniform noise (train and test) |
 * | `noise_experts` | list of `depth`/`normal`/`edge` | extra experts whose labels are pure uniform noise, in those stems |
 * | `adaptor` | true / false | false: every adaptor's branch zeroed and frozen (see `disableAdaptors`) |
 */

export const ABLATION_KEYS = ['eval_drop', 'label_noise', 'noise_experts', 'adaptor'] as const;
export type AblationKey = (typeof ABLATION_KEYS)[number];

/** Experts whose labels are continuous images, so uniform noise is a meaningful "pure noise" label. */
export const NOISE_EXPERT_SLOTS: readonly ExperimentExpert[] = ['depth', 'normal', 'edge'];

export interface GridAxis {
  key: string;
  values: JsonValue[];
}

export interface GridCell {
  /** Folder-safe name, e.g. `experts=depth+normal,freeze=none`. */
  name: string;
  params: Record<string, JsonValue>;
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Parses one `--grid key=[v1, v2, ...]` (YAML flow list). */
export function parseGridAxis(text: string): GridAxis {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (!KEY_PATTERN.test(key)) throw new Error(`--grid ${text}: expected key=[value, ...], e.g. experts=[[], [depth], [depth, normal]]`);
  let values: unknown;
  try {
    values = yaml.load(text.slice(eq + 1));
  } catch (error) {
    throw new Error(`--grid ${text}: invalid YAML list: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(values) || values.length === 0) throw new Error(`--grid ${text}: expected a non-empty list of values after '${key}='`);
  return { key, values: values as JsonValue[] };
}

/** A parameter value in a folder name: lists `a+b` (`none` if empty), maps `k@v+…`, scalars as text. */
export function gridValueSlug(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(gridValueSlug).join('+');
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}@${gridValueSlug(v)}`).join('+');
  }
  return String(value).replace(/[^A-Za-z0-9._@-]+/g, '_');
}

/** The cells of a grid: the cartesian product of the axes, first axis slowest. */
export function expandGrid(axes: readonly GridAxis[]): GridCell[] {
  const keys = axes.map((a) => a.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate) throw new Error(`--grid: key '${duplicate}' is given twice; put all its values in one list`);
  let cells: Array<Record<string, JsonValue>> = [{}];
  for (const axis of axes) cells = cells.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  const out = cells.map((params) => ({
    name: axes.length === 0 ? 'base' : axes.map((a) => `${a.key}=${gridValueSlug(params[a.key]!)}`).join(','),
    params,
  }));
  const names = out.map((c) => c.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new Error(`--grid: two cells are both named '${clash}'; give distinct values`);
  return out;
}

export const ABLATION_PRESETS = ['add-experts', 'leave-one-out', 'drop-at-inference', 'label-noise', 'noise-expert', 'freeze', 'adaptor'] as const;
export type AblationPreset = (typeof ABLATION_PRESETS)[number];

/**
 * The grid of one of the paper's ablations, built around the config's experts (`base`):
 * - add-experts: [], [e1], [e1, e2], … (experts added one at a time, in the config's order);
 * - leave-one-out: all of `base`, then `base` without each expert;
 * - drop-at-inference: trained with `base`, evaluated with nothing / each expert removed;
 * - label-noise: depth (or the first expert) labels with 0, 25, 50, 75, 100% of pixels replaced by noise;
 * - noise-expert: 0, 1, 2 … added pure-noise experts in the free continuous slots (depth, normal, edge);
 * - freeze: the four official freeze modes;
 * - adaptor: adaptors on and off.
 */
export function ablationGrid(preset: string, base: readonly ExperimentExpert[]): GridAxis[] {
  if (!(ABLATION_PRESETS as readonly string[]).includes(preset)) throw new Error(`--ablation ${preset}: expected one of ${ABLATION_PRESETS.join(', ')}`);
  const needExperts = (): void => {
    if (base.length === 0) throw new Error(`--ablation ${preset}: the config has no experts (PrismerZ); set experts in the config or with --set experts=[...]`);
  };
  switch (preset as AblationPreset) {
    case 'add-experts':
      needExperts();
      return [{ key: 'experts', values: base.map((_, i) => base.slice(0, i + 1) as JsonValue[]).reduce<JsonValue[]>((acc, v) => [...acc, v], [[]]) }];
    case 'leave-one-out':
      needExperts();
      return [{ key: 'experts', values: [[...base], ...base.map((e) => base.filter((x) => x !== e))] }];
    case 'drop-at-inference':
      needExperts();
      return [{ key: 'eval_drop', values: [[], ...base.map((e) => [e]), ...(base.length > 1 ? [[...base]] : [])] }];
    case 'label-noise': {
      needExperts();
      const target = base.includes('depth') ? 'depth' : base[0]!;
      return [{ key: 'label_noise', values: [0, 0.25, 0.5, 0.75, 1].map((f) => (f === 0 ? {} : { [target]: f })) }];
    }
    case 'noise-expert': {
      const free = NOISE_EXPERT_SLOTS.filter((e) => !base.includes(e));
      if (free.length === 0) throw new Error(`--ablation noise-expert: depth, normal and edge are all real experts in the config; drop one to make room for a noise expert`);
      return [{ key: 'noise_experts', values: free.map((_, i) => free.slice(0, i) as JsonValue[]).concat([[...free]]) }];
    }
    case 'freeze':
      return [{ key: 'freeze', values: ['none', 'freeze_vision', 'freeze_lang', 'freeze_lang_vision'] }];
    case 'adaptor':
      return [{ key: 'adaptor', values: [true, false] }];
  }
}

/** What a cell's parameters ask for beyond config overrides. */
export interface CellAblations {
  evalDrop: ExperimentExpert[];
  labelNoise: Partial<Record<ExperimentExpert, number>>;
  noiseExperts: ExperimentExpert[];
  adaptor: boolean;
}

function expertList(value: JsonValue, key: string, allowed: readonly string[]): ExperimentExpert[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !allowed.includes(v))) {
    throw new Error(`grid ${key}: expected a list of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as ExperimentExpert[];
}

/** Splits a cell's parameters into config overrides (`key.path` → value) and ablations. */
export function splitCellParams(params: Record<string, JsonValue>): { overrides: Array<{ keyPath: string; value: JsonValue; text: string }>; ablations: CellAblations } {
  const ablations: CellAblations = { evalDrop: [], labelNoise: {}, noiseExperts: [], adaptor: true };
  const overrides: Array<{ keyPath: string; value: JsonValue; text: string }> = [];
  for (const [key, value] of Object.entries(params)) {
    switch (key) {
      case 'eval_drop':
        ablations.evalDrop = expertList(value, key, EXPERT_NAMES);
        break;
      case 'noise_experts':
        ablations.noiseExperts = expertList(value, key, NOISE_EXPERT_SLOTS);
        break;
      case 'label_noise': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`grid label_noise: expected {expert: fraction}, got ${JSON.stringify(value)}`);
        for (const [expert, fraction] of Object.entries(value)) {
          if (!(EXPERT_NAMES as readonly string[]).includes(expert)) throw new Error(`grid label_noise: unknown expert '${expert}' (expected one of ${EXPERT_NAMES.join(', ')})`);
          if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) throw new Error(`grid label_noise.${expert}: expected a fraction in [0, 1], got ${JSON.stringify(fraction)}`);
          ablations.labelNoise[expert as ExperimentExpert] = fraction;
        }
        break;
      }
      case 'adaptor':
        if (typeof value !== 'boolean') throw new Error(`grid adaptor: expected true or false, got ${JSON.stringify(value)}`);
        ablations.adaptor = value;
        break;
      default:
        overrides.push({ keyPath: key, value, text: `${key}=${JSON.stringify(value)}` });
    }
  }
  return { overrides, ablations };
}
