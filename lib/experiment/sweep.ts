import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ColumnTable } from 'arquero';
import { writeFileAtomic } from '../io/atomic.js';
import type { ProgressOptions } from '../train/progress.js';
import { cellRunName, runSweepCell, type CellRunResult } from './cell-run.js';
import { expandGrid, type GridAxis, type GridCell } from './grid.js';
import { isRunFinished } from './run-store.js';
import { loadRunsTable, summariseRuns } from './runs-table.js';

export interface SweepOptions {
  /** Store root; the sweep's runs go to `<root>/<name>/<cell>/seed-<seed>`. */
  root: string;
  name: string;
  configPath: string;
  /** `--set key=value` overrides shared by every cell. */
  overrides?: readonly string[];
  axes: readonly GridAxis[];
  seeds: readonly number[];
  maxSteps?: number;
  /** Keep going after a failed run (it is stored as failed and retried by the next sweep). Default true. */
  keepGoing?: boolean;
  progress?: false | ProgressOptions;
  log?: (line: string) => void;
  /** Called after each run (finished now or skipped because it was already finished). */
  onRun?: (event: { cell: GridCell; seed: number; status: 'skipped' | 'finished' | 'failed'; result?: CellRunResult; error?: Error }) => void;
}

export interface SweepResult {
  dir: string;
  cells: GridCell[];
  seeds: number[];
  ran: number;
  skipped: number;
  failed: Array<{ run: string; error: string }>;
  /** One row per finished run of the sweep (`loadRunsTable`). */
  runs: ColumnTable;
  /** Per cell and metric: n, mean, std, 95% interval (`summariseRuns`). */
  summary: ColumnTable;
  seconds: number;
}

/** `count` seeds from `base`: base, base + 1, … */
export function sweepSeeds(base: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--seeds: expected a positive integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => base + i);
}

/**
 * Runs every cell of the grid at every seed, skipping runs already finished (so an interrupted sweep
 * resumes where it stopped), then summarises the sweep's finished runs per cell.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const root = resolve(options.root);
  const cells = expandGrid(options.axes);
  const sweepDir = join(root, options.name);
  writeFileAtomic(join(sweepDir, '_sweep.json'), `${JSON.stringify({
    name: options.name, config: resolve(options.configPath), overrides: options.overrides ?? [], axes: options.axes,
    seeds: options.seeds, maxSteps: options.maxSteps ?? null, cells: cells.map((c) => c.name), updated: new Date().toISOString(),
  }, null, 2)}\n`);
  let ran = 0;
  let skipped = 0;
  const failed: SweepResult['failed'] = [];
  const total = cells.length * options.seeds.length;
  let index = 0;
  for (const cell of cells) {
    for (const seed of options.seeds) {
      index++;
      const name = cellRunName(options.name, cell.name, seed);
      if (isRunFinished(join(root, ...name.split('/')))) {
        skipped++;
        log(`[${index}/${total}] ${name}: finished earlier, skipped`);
        options.onRun?.({ cell, seed, status: 'skipped' });
        continue;
      }
      log(`[${index}/${total}] ${name}`);
      try {
        const result = await runSweepCell({
          root, sweep: options.name, cell, seed, configPath: options.configPath, overrides: options.overrides,
          maxSteps: options.maxSteps, progress: options.progress, log,
        });
        ran++;
        log(`[${index}/${total}] ${name}: ${Object.entries(result.metrics).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} (${result.manifest.seconds?.toFixed(1)} s${result.trained ? '' : ', weights reused'})`);
        options.onRun?.({ cell, seed, status: 'finished', result });
      } catch (error) {
        const message = (error as Error).message;
        failed.push({ run: name, error: message });
        log(`[${index}/${total}] ${name}: FAILED: ${message}`);
        options.onRun?.({ cell, seed, status: 'failed', error: error as Error });
        if (options.keepGoing === false) throw error;
      }
    }
  }
  // In grid order (cells, then seeds), so summaries list cells as the grid gives them.
  const dirs = cells.flatMap((c) => options.seeds.map((s) => join(root, ...cellRunName(options.name, c.name, s).split('/')))).filter((d) => existsSync(join(d, 'run.json')));
  const runs = loadRunsTable(dirs, { finishedOnly: true });
  const summary = summariseRuns(runs);
  return { dir: sweepDir, cells, seeds: [...options.seeds], ran, skipped, failed, runs, summary, seconds: (performance.now() - started) / 1000 };
}
