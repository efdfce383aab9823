import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as yaml from 'js-yaml';

/**
 * Published numbers (configs/paper/*.yaml): which model, which checkpoint, which metric, the value
 * and the tolerance the official README promises for re-evaluations.
 */

export interface PaperColumn {
  key: string;
  label: string;
  task: 'caption' | 'vqa';
  /** Checkpoint kind: the official name is `<checkpoint>_<family>_<size>`. */
  checkpoint: 'pretrain' | 'caption' | 'vqa';
  split: string;
  metric: 'CIDEr' | 'vqa_accuracy';
  /** Caption prefix (caption columns). */
  prefix: string;
}

export interface PaperRow {
  model: string;
  family: 'prismer' | 'prismerz';
  size: 'base' | 'large';
  /** Published value per column key. */
  values: Record<string, number>;
}

export interface PaperTable {
  name: string;
  title: string;
  source: Record<string, string>;
  /** Allowed |measured - paper| per metric. */
  tolerance: Record<string, number>;
  columns: PaperColumn[];
  rows: PaperRow[];
  /** The file it was read from. */
  file: string;
}

/** The official checkpoint name of a row and column, e.g. `caption_prismer_base`. */
export function paperCheckpointName(row: PaperRow, column: PaperColumn): string {
  return `${column.checkpoint}_${row.family}_${row.size}`;
}

function fail(file: string, key: string, expected: string, got: unknown): never {
  throw new Error(`${file}: ${key}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a paper table document (see configs/paper/main.yaml). */
export function parsePaperTable(document: unknown, file: string): PaperTable {
  if (!isMap(document)) fail(file, '(top level)', 'a mapping', document);
  const d = document;
  if (typeof d.name !== 'string') fail(file, 'name', 'a string', d.name);
  if (!isMap(d.source)) fail(file, 'source', 'a mapping of strings', d.source);
  if (!isMap(d.tolerance)) fail(file, 'tolerance', 'a mapping of metric → number', d.tolerance);
  for (const [k, v] of Object.entries(d.tolerance)) if (typeof v !== 'number' || v < 0) fail(file, `tolerance.${k}`, 'a non-negative number', v);
  if (!isMap(d.columns)) fail(file, 'columns', 'a mapping of column key → column', d.columns);
  const columns: PaperColumn[] = Object.entries(d.columns).map(([key, c]) => {
    if (!isMap(c)) fail(file, `columns.${key}`, 'a mapping', c);
    if (c.task !== 'caption' && c.task !== 'vqa') fail(file, `columns.${key}.task`, "'caption' or 'vqa'", c.task);
    if (!['pretrain', 'caption', 'vqa'].includes(c.checkpoint as string)) fail(file, `columns.${key}.checkpoint`, "'pretrain', 'caption' or 'vqa'", c.checkpoint);
    if (c.metric !== 'CIDEr' && c.metric !== 'vqa_accuracy') fail(file, `columns.${key}.metric`, "'CIDEr' or 'vqa_accuracy'", c.metric);
    if (!(c.metric in (d.tolerance as Record<string, unknown>))) fail(file, `tolerance.${c.metric as string}`, `a tolerance for column ${key}'s metric`, undefined);
    return {
      key, label: typeof c.label === 'string' ? c.label : key, task: c.task, checkpoint: c.checkpoint as PaperColumn['checkpoint'],
      split: typeof c.split === 'string' ? c.split : '', metric: c.metric, prefix: typeof c.prefix === 'string' ? c.prefix : 'A picture of',
    };
  });
  if (!Array.isArray(d.rows) || d.rows.length === 0) fail(file, 'rows', 'a non-empty list', d.rows);
  const rows: PaperRow[] = d.rows.map((r: unknown, i: number) => {
    if (!isMap(r)) fail(file, `rows[${i}]`, 'a mapping', r);
    if (typeof r.model !== 'string') fail(file, `rows[${i}].model`, 'a string', r.model);
    if (r.family !== 'prismer' && r.family !== 'prismerz') fail(file, `rows[${i}].family`, "'prismer' or 'prismerz'", r.family);
    if (r.size !== 'base' && r.size !== 'large') fail(file, `rows[${i}].size`, "'base' or 'large'", r.size);
    const values: Record<string, number> = {};
    for (const column of columns) {
      const v = r[column.key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number') fail(file, `rows[${i}].${column.key}`, 'a number', v);
      values[column.key] = v;
    }
    return { model: r.model, family: r.family, size: r.size, values };
  });
  return {
    name: d.name, title: typeof d.title === 'string' ? d.title : d.name, file,
    source: Object.fromEntries(Object.entries(d.source).map(([k, v]) => [k, String(v)])),
    tolerance: d.tolerance as Record<string, number>, columns, rows,
  };
}

/** The nearest `configs/` folder with a `paper/` inside, from the working directory upwards. */
export function findConfigsDir(start = process.cwd()): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'configs', 'paper'))) return join(dir, 'configs');
    if (dirname(dir) === dir) return join(resolve(start), 'configs');
  }
}

/** Reads `configs/paper/<name>.yaml` (from `configsDir`, default `findConfigsDir()`) or a YAML path. */
export function loadPaperTable(nameOrPath: string, configsDir = findConfigsDir()): PaperTable {
  const file = existsSync(nameOrPath) && nameOrPath.endsWith('.yaml') ? nameOrPath : join(configsDir, 'paper', `${nameOrPath}.yaml`);
  if (!existsSync(file)) throw new Error(`paper table '${nameOrPath}': ${file} not found (tables live in configs/paper/<name>.yaml)`);
  let document: unknown;
  try {
    document = yaml.load(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return parsePaperTable(document, file);
}
