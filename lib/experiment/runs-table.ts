import { from, table as columnTable, type ColumnTable } from 'arquero';
import { formatCodeVersion } from './code-version.js';
import { listRuns, readRun, readRunCurves, readRunOutputs, type JsonValue, type RunRecord } from './run-store.js';
import { summariseValues } from './stats.js';

/** Fixed columns of `loadRunsTable`, before the `param_*` and metric columns. */
export const RUN_TABLE_COLUMNS = ['run', 'status', 'task', 'seed', 'sweep', 'cell', 'experts', 'code', 'seconds', 'created'] as const;

/** A parameter value as a table cell: scalars as they are, lists and maps as compact text (`depth,normal`, `{"depth":0.5}`). */
export function paramCell(value: JsonValue): string | number | boolean | null {
  const v: unknown = value;
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length === 0 ? 'none' : (v as string[]).join(',');
  return JSON.stringify(v);
}

function expertsOf(run: RunRecord): string | null {
  const config = run.config as { experts?: unknown } | null;
  return config && Array.isArray(config.experts) ? (config.experts.length === 0 ? 'none' : config.experts.join(',')) : null;
}

function runsOf(source: string | readonly string[] | readonly RunRecord[]): RunRecord[] {
  if (typeof source === 'string') return listRuns(source);
  return source.map((s) => (typeof s === 'string' ? readRun(s) : s));
}

/**
 * Runs as one arquero table, one row per run: the fixed columns (`RUN_TABLE_COLUMNS`), one
 * `param_<key>` column per sweep parameter and one column per metric (absent values are null).
 * `source` is a store root (every run below it), a list of run folders, or runs already read.
 */
export function loadRunsTable(source: string | readonly string[] | readonly RunRecord[], options: { finishedOnly?: boolean } = {}): ColumnTable {
  const runs = runsOf(source).filter((r) => !options.finishedOnly || r.manifest.status === 'finished');
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.manifest.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const columns: Record<string, unknown[]> = {};
  const push = (key: string, value: unknown): void => { (columns[key] ??= []).push(value); };
  for (const run of runs) {
    const m = run.manifest;
    push('run', m.name);
    push('status', m.status);
    push('task', m.task);
    push('seed', m.seed);
    push('sweep', m.sweep?.name ?? null);
    push('cell', m.sweep?.cell ?? m.name);
    push('experts', expertsOf(run));
    push('code', formatCodeVersion(m.code));
    push('seconds', m.seconds);
    push('created', m.createdAt);
    for (const key of paramKeys) push(`param_${key}`, key in m.params ? paramCell(m.params[key]!) : null);
    for (const key of metricKeys) push(key, typeof run.metrics[key] === 'number' ? run.metrics[key] : null);
  }
  if (runs.length === 0) for (const key of RUN_TABLE_COLUMNS) columns[key] = [];
  return columnTable(columns) as ColumnTable;
}

function rowsTable(rows: Array<Record<string, unknown>>): ColumnTable {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return columnTable(Object.fromEntries(keys.map((k) => [k, rows.map((r) => (k in r ? r[k] : null))]))) as ColumnTable;
}

/** Per-example outputs of runs as one table, each row tagged with `run`, `cell` and `seed`. */
export function loadRunOutputsTable(source: string | readonly string[] | readonly RunRecord[]): ColumnTable {
  const rows = runsOf(source).flatMap((run) => readRunOutputs(run.dir).map((o) => ({
    run: run.manifest.name, cell: run.manifest.sweep?.cell ?? run.manifest.name, seed: run.manifest.seed, ...o,
  })));
  return rowsTable(rows);
}

/** Training/evaluation curves of runs as one table (`run`, `cell`, `seed`, then the curve fields). */
export function loadRunCurvesTable(source: string | readonly string[] | readonly RunRecord[]): ColumnTable {
  const rows = runsOf(source).flatMap((run) => readRunCurves(run.dir).map((c) => ({
    run: run.manifest.name, cell: run.manifest.sweep?.cell ?? run.manifest.name, seed: run.manifest.seed, ...c,
  })));
  return rowsTable(rows);
}

/** One row of `summariseRuns`: a group (cell) and a metric over its seeds. */
export interface RunSummaryRow {
  cell: string;
  metric: string;
  n: number;
  mean: number;
  std: number;
  ci_low: number;
  ci_high: number;
}

/**
 * Mean, sample std and 95% t-interval of each metric per group (default: per `cell`) of a runs
 * table, in long form (one row per group × metric; order of first appearance).
 */
export function summariseRuns(table: ColumnTable, options: { by?: string; metrics?: readonly string[]; level?: number } = {}): ColumnTable {
  const by = options.by ?? 'cell';
  const names = table.columnNames();
  const fixed = new Set<string>([...RUN_TABLE_COLUMNS, by]);
  const metrics = options.metrics ?? names.filter((n) => !fixed.has(n) && !n.startsWith('param_'));
  const rows = table.objects() as Array<Record<string, unknown>>;
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const row of rows) {
    const key = String(row[by]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(row);
  }
  const out: RunSummaryRow[] = [];
  for (const [cell, members] of groups) {
    for (const metric of metrics) {
      const values = members.map((m) => m[metric]).filter((v): v is number => typeof v === 'number');
      if (values.length === 0) continue;
      const s = summariseValues(values, options.level ?? 0.95);
      out.push({ cell, metric, n: s.n, mean: s.mean, std: s.std, ci_low: s.low, ci_high: s.high });
    }
  }
  return from(out) as ColumnTable;
}
