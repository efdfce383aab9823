import { ConfigError } from './errors.js';
import { EXPERIMENT_SCHEMA, PRETRAIN_DATASETS, type ExperimentConfig, type ConfigFieldSpec } from './schema.js';

/** Tells which file (or `--set` override) gave the value at a key path. */
export type SourceOf = (keyPath: string) => string;

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return `a list ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return `${JSON.stringify(value)} (${typeof value})`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function checkField(spec: ConfigFieldSpec, value: unknown, path: string, sourceOf: SourceOf): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(sourceOf(path), path, `expected ${expected}, got ${describe(value)}`);
  };
  if (spec.kind === 'section') return checkSection(spec.fields, value === undefined || value === null ? {} : value, path, sourceOf);
  if (value === undefined) {
    if (spec.default === undefined) throw new ConfigError(sourceOf(path), path, `required key is missing (${expectation(spec)})`);
    return Array.isArray(spec.default) ? [...spec.default] : isMapping(spec.default) ? { ...spec.default } : spec.default;
  }
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return fail('a string');
      if (spec.nonEmpty && value === '') return fail('a non-empty string');
      if (spec.pattern && !spec.pattern.test(value)) return fail(`a name matching ${spec.pattern}`);
      return value;
    case 'int':
      if (value === null && spec.nullable) return null;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min) return fail(expectation(spec));
      return value;
    case 'number':
      if (value === null && spec.nullable) return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(expectation(spec));
      if ((spec.min !== undefined && value < spec.min) || (spec.exclusiveMin !== undefined && value <= spec.exclusiveMin) || (spec.max !== undefined && value > spec.max)) return fail(expectation(spec));
      return value;
    case 'bool':
      if (value === null && spec.nullable) return null;
      if (typeof value !== 'boolean') return fail(expectation(spec));
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) return fail(expectation(spec));
      return value;
    case 'strings': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return fail('a list of strings');
      const bad = spec.values ? value.find((v) => !spec.values!.includes(v as string)) : undefined;
      if (bad !== undefined) throw new ConfigError(sourceOf(path), path, `expected a list of ${spec.values!.join(', ')}; '${bad}' is not one of them`);
      return [...(value as string[])];
    }
    case 'scalarMap': {
      if (!isMapping(value)) return fail('a mapping of names to numbers, strings or booleans');
      for (const [k, v] of Object.entries(value)) {
        if (!['number', 'string', 'boolean'].includes(typeof v)) throw new ConfigError(sourceOf(`${path}.${k}`), `${path}.${k}`, `expected a number, string or boolean, got ${describe(v)}`);
      }
      return { ...value };
    }
  }
}

function expectation(spec: ConfigFieldSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer >= ${spec.min}${spec.nullable ? ' or null' : ''}`;
    case 'number': {
      const bounds = [spec.min !== undefined ? `>= ${spec.min}` : '', spec.exclusiveMin !== undefined ? `> ${spec.exclusiveMin}` : '', spec.max !== undefined ? `<= ${spec.max}` : ''].filter(Boolean).join(' and ');
      return `a number${bounds ? ` ${bounds}` : ''}${spec.nullable ? ' or null' : ''}`;
    }
    case 'enum':
      return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
    case 'strings':
      return 'a list of strings';
    case 'string':
      return 'a string';
    case 'bool':
      return `true or false${spec.nullable ? ' or null' : ''}`;
    default:
      return spec.kind;
  }
}

function checkSection(fields: Record<string, ConfigFieldSpec>, value: unknown, path: string, sourceOf: SourceOf): Record<string, unknown> {
  if (!isMapping(value)) throw new ConfigError(sourceOf(path), path, `expected a mapping with keys ${Object.keys(fields).join(', ')}, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!(key in fields)) {
      const keyPath = path ? `${path}.${key}` : key;
      throw new ConfigError(sourceOf(keyPath), keyPath, `unknown key; expected one of ${Object.keys(fields).join(', ')}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) out[key] = checkField(spec, value[key], path ? `${path}.${key}` : key, sourceOf);
  return out;
}

/** Checks the relations between fields that no single key can check. */
function checkConsistency(config: ExperimentConfig, sourceOf: SourceOf): void {
  const experts = config.experts as string[];
  if (experts.includes('none')) {
    if (experts.length > 1) throw new ConfigError(sourceOf('experts'), 'experts', `expected ['none'] alone (PrismerZ) or a list of experts, got ${JSON.stringify(experts)}`);
    config.experts = [];
  }
  const duplicate = experts.find((e, i) => experts.indexOf(e) !== i);
  if (duplicate) throw new ConfigError(sourceOf('experts'), 'experts', `expected each expert once, '${duplicate}' is listed twice`);
  if (config.eval.min_length > config.eval.max_length) {
    throw new ConfigError(sourceOf('eval.min_length'), 'eval.min_length', `expected at most eval.max_length (${config.eval.max_length}), got ${config.eval.min_length}`);
  }
  if (config.min_lr > config.init_lr) throw new ConfigError(sourceOf('min_lr'), 'min_lr', `expected at most init_lr (${config.init_lr}), got ${config.min_lr}`);
  if (config.task === 'caption' && config.dataset === '') throw new ConfigError(sourceOf('dataset'), 'dataset', "required for task 'caption' (coco, nocaps, demo or shapes)");
  if (config.task === 'vqa' && config.datasets.length === 0) throw new ConfigError(sourceOf('datasets'), 'datasets', "required for task 'vqa' (e.g. ['vqav2', 'vg'] or ['shapes'])");
  if (config.task === 'pretrain') {
    const known: readonly string[] = PRETRAIN_DATASETS;
    if (config.datasets.length === 0) throw new ConfigError(sourceOf('datasets'), 'datasets', `required for task 'pretrain' (some of ${PRETRAIN_DATASETS.join(', ')})`);
    const bad = config.datasets.find((d) => !known.includes(d));
    if (bad !== undefined) throw new ConfigError(sourceOf('datasets'), 'datasets', `expected pre-training sources among ${PRETRAIN_DATASETS.join(', ')}; '${bad}' is not one of them`);
  }
  if (config.task === 'classification' && config.prefix === '') throw new ConfigError(sourceOf('prefix'), 'prefix', "required for task 'classification' (official: 'A photo of a'): class names are ranked after it");
}

/** Turns a merged YAML document into a checked ExperimentConfig with every default filled in. */
export function validateExperimentConfig(raw: unknown, sourceOf: SourceOf): ExperimentConfig {
  const config = checkSection(EXPERIMENT_SCHEMA, raw, '', sourceOf) as unknown as ExperimentConfig;
  checkConsistency(config, sourceOf);
  return config;
}
