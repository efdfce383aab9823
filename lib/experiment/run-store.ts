import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { currentCodeVersion, type CodeVersion } from './code-version.js';

/**
 * The results store: one folder per run, `<root>/<name>/`, holding
 * `run.json` (what ran: name, status, seed, parameters, code version, timings), `config.json` (the
 * resolved experiment config), `metrics.json` (flat name → number), `outputs.jsonl` (one line per
 * example) and `curves.jsonl` (training and evaluation curves). Every file is written whole through a
 * temporary file and a rename, and `run.json` is written last with status 'finished', so a killed run
 * is never mistaken for a finished one.
 */

export const RUN_FORMAT = 'prismer-run/1';
export const RUN_FILES = { manifest: 'run.json', config: 'config.json', metrics: 'metrics.json', outputs: 'outputs.jsonl', curves: 'curves.jsonl' } as const;

export type RunStatus = 'running' | 'finished' | 'failed';
export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };

export interface RunManifest {
  format: typeof RUN_FORMAT;
  /** Path of the run below the store root, '/'-separated (e.g. `ablate/experts=depth/seed-42`). */
  name: string;
  status: RunStatus;
  task: string;
  seed: number;
  /** What distinguishes this run from its siblings (a sweep cell's grid values). */
  params: Record<string, JsonValue>;
  /** The sweep and cell it belongs to, if any. */
  sweep: { name: string; cell: string } | null;
  code: CodeVersion;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Wall-clock seconds from start to finish. */
  seconds: number | null;
  /** Where the trained weights are (a training folder shared by runs that differ only at evaluation). */
  trainedIn: string | null;
  error: string | null;
  /** Anything else worth keeping (evaluation file paths, label variants, …). */
  notes: Record<string, JsonValue>;
}

/** A run as read back: its manifest, config and metrics; `dir` is absolute. */
export interface RunRecord {
  dir: string;
  manifest: RunManifest;
  config: JsonValue | null;
  metrics: Record<string, number>;
}

const NAME_PATTERN = /^[A-Za-z0-9._=+,@-]+(\/[A-Za-z0-9._=+,@-]+)*$/;

/** Checks a run name: '/'-separated segments of letters, digits and `._=+,@-`, no `..`. */
export function checkRunName(name: string): string {
  if (!NAME_PATTERN.test(name) || name.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`run name '${name}': expected '/'-separated segments of letters, digits and ._=+,@- (no '..')`);
  }
  return name;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function writeJsonl(path: string, rows: readonly unknown[]): void {
  writeFileAtomic(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

export interface StartRunOptions {
  task: string;
  seed: number;
  config: unknown;
  params?: Record<string, JsonValue>;
  sweep?: { name: string; cell: string } | null;
  code?: CodeVersion;
}

/** Writes a run's files as it progresses; `finish` marks it complete. */
export class RunWriter {
  /** The run folder (absolute). */
  readonly dir: string;
  private manifest: RunManifest;
  private readonly started = performance.now();

  constructor(readonly root: string, name: string, options: StartRunOptions) {
    this.dir = join(resolve(root), ...checkRunName(name).split('/'));
    mkdirSync(this.dir, { recursive: true });
    const now = new Date().toISOString();
    this.manifest = {
      format: RUN_FORMAT, name, status: 'running', task: options.task, seed: options.seed, params: options.params ?? {},
      sweep: options.sweep ?? null, code: options.code ?? currentCodeVersion(), createdAt: now, updatedAt: now,
      finishedAt: null, seconds: null, trainedIn: null, error: null, notes: {},
    };
    writeJson(join(this.dir, RUN_FILES.config), options.config);
    this.writeManifest();
  }

  private writeManifest(): void {
    this.manifest.updatedAt = new Date().toISOString();
    writeJson(join(this.dir, RUN_FILES.manifest), this.manifest);
  }

  /** Records where the weights came from and free-form notes (kept in run.json). */
  annotate(update: { trainedIn?: string | null; notes?: Record<string, JsonValue> }): void {
    if (update.trainedIn !== undefined) this.manifest.trainedIn = update.trainedIn;
    if (update.notes) this.manifest.notes = { ...this.manifest.notes, ...update.notes };
    this.writeManifest();
  }

  writeMetrics(metrics: Record<string, number>): void {
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`run ${this.manifest.name}: metric '${key}' must be a finite number, got ${String(value)}`);
    }
    writeJson(join(this.dir, RUN_FILES.metrics), metrics);
  }

  writeOutputs(rows: readonly Record<string, JsonValue>[]): void {
    writeJsonl(join(this.dir, RUN_FILES.outputs), rows);
  }

  writeCurves(rows: readonly Record<string, JsonValue>[]): void {
    writeJsonl(join(this.dir, RUN_FILES.curves), rows);
  }

  /** Marks the run finished (written last: only now does the store count it as done). */
  finish(): RunManifest {
    if (!existsSync(join(this.dir, RUN_FILES.metrics))) throw new Error(`run ${this.manifest.name}: finish() before writeMetrics()`);
    this.manifest.status = 'finished';
    this.manifest.finishedAt = new Date().toISOString();
    this.manifest.seconds = (performance.now() - this.started) / 1000;
    this.writeManifest();
    return this.manifest;
  }

  /** Marks the run failed with the error's message (a later sweep retries it). */
  fail(error: unknown): void {
    this.manifest.status = 'failed';
    this.manifest.error = error instanceof Error ? error.message : String(error);
    this.manifest.seconds = (performance.now() - this.started) / 1000;
    this.writeManifest();
  }
}

/** Starts (or restarts) the run `<root>/<name>`: writes config.json and run.json with status 'running'. */
export function startRun(root: string, name: string, options: StartRunOptions): RunWriter {
  return new RunWriter(root, name, options);
}

function checkManifest(value: unknown, path: string): RunManifest {
  const m = value as Partial<RunManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== RUN_FORMAT) throw new Error(`${path}: not a run manifest (expected format '${RUN_FORMAT}')`);
  for (const key of ['name', 'status', 'task'] as const) if (typeof m[key] !== 'string') throw new Error(`${path}: field '${key}' must be a string`);
  if (typeof m.seed !== 'number') throw new Error(`${path}: field 'seed' must be a number`);
  return m as RunManifest;
}

/** Whether `<dir>/run.json` says finished. */
export function isRunFinished(dir: string): boolean {
  const path = join(dir, RUN_FILES.manifest);
  if (!existsSync(path)) return false;
  try {
    return checkManifest(readJson(path), path).status === 'finished';
  } catch {
    return false;
  }
}

/** Reads one run folder (manifest, config, metrics). */
export function readRun(dir: string): RunRecord {
  const abs = resolve(dir);
  const manifestPath = join(abs, RUN_FILES.manifest);
  if (!existsSync(manifestPath)) throw new Error(`${abs}: not a run folder (no ${RUN_FILES.manifest})`);
  const manifest = checkManifest(readJson(manifestPath), manifestPath);
  const configPath = join(abs, RUN_FILES.config);
  const metricsPath = join(abs, RUN_FILES.metrics);
  const metrics = existsSync(metricsPath) ? readJson(metricsPath) : {};
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) throw new Error(`${metricsPath}: expected an object of metric name → number`);
  return { dir: abs, manifest, config: existsSync(configPath) ? (readJson(configPath) as JsonValue) : null, metrics: metrics as Record<string, number> };
}

function readJsonl(path: string): Array<Record<string, JsonValue>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, JsonValue>;
    } catch (error) {
      throw new Error(`${path}: line ${i + 1} is not valid JSON (${(error as Error).message})`);
    }
  });
}

/** The per-example outputs of a run (outputs.jsonl), [] when it wrote none. */
export function readRunOutputs(dir: string): Array<Record<string, JsonValue>> {
  return readJsonl(join(resolve(dir), RUN_FILES.outputs));
}

/** The curves of a run (curves.jsonl), [] when it wrote none. */
export function readRunCurves(dir: string): Array<Record<string, JsonValue>> {
  return readJsonl(join(resolve(dir), RUN_FILES.curves));
}

const SKIP_DIRS = new Set(['checkpoints', 'node_modules', '.git']);

/** Every run folder below `root` (any depth; folders starting with '_' hold shared artefacts and are skipped), sorted by name. */
export function listRunDirs(root: string): string[] {
  const abs = resolve(root);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(join(dir, RUN_FILES.manifest))) {
      out.push(dir);
      return;
    }
    if (depth > 6) return;
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('_') || entry.startsWith('.') || SKIP_DIRS.has(entry)) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path, depth + 1);
    }
  };
  walk(abs, 0);
  return out;
}

/** Every run below `root`, read. */
export function listRuns(root: string): RunRecord[] {
  return listRunDirs(root).map(readRun);
}

/** A run given by folder path or by name below `root`. */
export function resolveRunDir(root: string, nameOrPath: string): string {
  if (existsSync(join(nameOrPath, RUN_FILES.manifest))) return resolve(nameOrPath);
  const byName = join(resolve(root), ...nameOrPath.split('/'));
  if (existsSync(join(byName, RUN_FILES.manifest))) return byName;
  const matches = listRunDirs(root).filter((d) => relative(resolve(root), d).split(sep).join('/').endsWith(nameOrPath));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`run '${nameOrPath}' is ambiguous in ${root}: ${matches.map((m) => relative(resolve(root), m)).join(', ')}`);
  throw new Error(`run '${nameOrPath}': no run folder of that name below ${resolve(root)} (and not a folder with ${RUN_FILES.manifest})`);
}
