import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { ConfigError } from './errors.js';
import type { ExperimentConfig } from './schema.js';
import { validateExperimentConfig } from './validate.js';

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Where each value of a merged document came from, by dotted key path. */
class Provenance {
  private readonly byPath = new Map<string, string>();
  constructor(private readonly fallback: string) {}

  set(path: string, source: string): void {
    for (const key of [...this.byPath.keys()]) if (key.startsWith(`${path}.`)) this.byPath.delete(key);
    this.byPath.set(path, source);
  }

  /** The source of the value at `path`, or of its closest ancestor. */
  of(path: string): string {
    for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const source = this.byPath.get(p);
      if (source) return source;
    }
    return this.fallback;
  }
}

/** Maps in `top` are merged into those of `base` key by key; lists and scalars replace. */
function mergeInto(base: Mapping, top: Mapping, source: string, provenance: Provenance, prefix = ''): void {
  for (const [key, value] of Object.entries(top)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const existing = base[key];
    if (isMapping(existing) && isMapping(value)) {
      mergeInto(existing, value, source, provenance, path);
    } else {
      base[key] = isMapping(value) ? structuredClone(value) : value;
      provenance.set(path, source);
    }
  }
}

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
}

function readYamlMapping(path: string, referrer: { source: string; key: string } | null): Mapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    if (referrer) throw new ConfigError(referrer.source, referrer.key, `cannot read ${displayPath(path)} (${reason})`);
    throw new ConfigError(displayPath(path), '', `cannot read the config file (${reason})`);
  }
  let document: unknown = null;
  try {
    if (text.trim() !== '') document = yaml.load(text, { filename: path });
  } catch (error) {
    throw new ConfigError(displayPath(path), '', `invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === undefined || document === null) return {};
  if (!isMapping(document)) throw new ConfigError(displayPath(path), '', `expected a mapping of keys to values, got ${Array.isArray(document) ? 'a list' : typeof document}`);
  return document;
}

/** Reads a file and, first, the files its `extends:` names (relative to it), merging parents first. */
function readWithExtends(path: string, provenance: Provenance, chain: string[], referrer: { source: string; key: string } | null): Mapping {
  const absolute = resolve(path);
  const source = displayPath(absolute);
  if (chain.includes(absolute)) throw new ConfigError(referrer?.source ?? source, 'extends', `circular extends: ${[...chain, absolute].map(displayPath).join(' -> ')}`);
  const document = readYamlMapping(absolute, referrer);
  const { extends: parents, ...own } = document;
  const merged: Mapping = {};
  if (parents !== undefined) {
    const list = typeof parents === 'string' ? [parents] : parents;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) {
      throw new ConfigError(source, 'extends', `expected a path (string) or a list of paths relative to this file, got ${JSON.stringify(parents)}`);
    }
    for (const parent of list as string[]) {
      const parentDocument = readWithExtends(resolve(dirname(absolute), parent), provenance, [...chain, absolute], { source, key: 'extends' });
      mergeInto(merged, parentDocument, '', new Provenance(''));
    }
  }
  mergeInto(merged, own, source, provenance);
  return merged;
}

/** One `--set` override, parsed: a dotted key path and a YAML value. */
export interface ConfigOverride {
  keyPath: string;
  value: unknown;
  /** The text given, for error messages. */
  text: string;
}

/**
 * Parses `key.path=value`; the value is read as YAML, so `1e-4` is a number, `true` a boolean,
 * `[depth, normal]` a list, `null` null and `'42'` a string.
 */
export function parseConfigOverride(text: string): ConfigOverride {
  const source = `--set ${text}`;
  const eq = text.indexOf('=');
  const keyPath = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(keyPath)) {
    throw new ConfigError(source, keyPath, 'expected key.path=value, e.g. train.grad_accum_steps=4');
  }
  if (keyPath === 'extends' || keyPath.startsWith('extends.')) throw new ConfigError(source, keyPath, 'extends cannot be overridden; pass another config file');
  const valueText = text.slice(eq + 1);
  let value: unknown = null;
  try {
    if (valueText.trim() !== '') value = yaml.load(valueText);
  } catch (error) {
    throw new ConfigError(source, keyPath, `invalid YAML value: ${(error as Error).message.split('\n')[0]}`);
  }
  return { keyPath, value: value === undefined ? null : value, text };
}

function applyOverride(document: Mapping, override: ConfigOverride, provenance: Provenance): void {
  const keys = override.keyPath.split('.');
  let node = document;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]!];
    if (next === undefined) node[keys[i]!] = {};
    else if (!isMapping(next)) throw new ConfigError(`--set ${override.text}`, keys.slice(0, i + 1).join('.'), `is ${JSON.stringify(next)}, not a section, so it has no key '${keys[i + 1]}'`);
    node = node[keys[i]!] as Mapping;
  }
  node[keys[keys.length - 1]!] = override.value;
  provenance.set(override.keyPath, `--set ${override.text}`);
}

/**
 * Loads an experiment config: reads the YAML file (after the files its `extends:` names), applies
 * `--set`-style overrides in order, checks every key and fills in defaults. Any mistake throws a
 * ConfigError naming the file (or override), the key path and what was expected.
 */
export function loadExperimentConfig(path: string, overrides: ReadonlyArray<string | ConfigOverride> = []): ExperimentConfig {
  const provenance = new Provenance(displayPath(resolve(path)));
  const document = readWithExtends(path, provenance, [], null);
  for (const override of overrides) applyOverride(document, typeof override === 'string' ? parseConfigOverride(override) : override, provenance);
  return validateExperimentConfig(document, (keyPath) => provenance.of(keyPath));
}

/** Checks an in-memory document (e.g. built in a notebook) as if it had been read from `source`. */
export function parseExperimentConfig(document: unknown, source = '<config>'): ExperimentConfig {
  return validateExperimentConfig(document, () => source);
}
