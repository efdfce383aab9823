import type { VegaLiteSpec } from '../render.js';

/** One run's log: rows as a training loop writes them (`{ step, epoch, loss, lr, cider, … }`). */
export interface TrainingRunLog {
  name: string;
  rows: ReadonlyArray<Readonly<Record<string, number | null | undefined>>>;
}

export interface TrainingCurvesOptions {
  /** The x axis: 'step' (default) or 'epoch'. Rows without it are skipped. */
  x?: 'step' | 'epoch';
  /** Metrics to plot, one panel each, in this order; default: every numeric column but step/epoch. */
  metrics?: string[];
  /** Metrics drawn on a log y scale (e.g. ['lr']). */
  logScale?: string[];
  /** Trailing moving-average window (points); the raw curve stays as a faint line. Default 1 (off). */
  smoothing?: number;
  title?: string;
  width?: number;
  /** Height of each panel. */
  height?: number;
}

interface CurvePoint {
  run: string;
  x: number;
  value: number;
}

function metricNames(runs: readonly TrainingRunLog[], x: string): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const row of run.rows) for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && k !== x && k !== 'step' && k !== 'epoch') names.add(k);
  return [...names];
}

/**
 * Loss, learning rate and metric curves for several runs: one panel per metric stacked vertically,
 * colour = run, shared x axis. Non-finite values (a diverged loss) are dropped, not plotted as 0.
 */
export function trainingCurves(runs: readonly TrainingRunLog[], options: TrainingCurvesOptions = {}): VegaLiteSpec {
  const x = options.x ?? 'step';
  const metrics = options.metrics ?? metricNames(runs, x);
  if (metrics.length === 0) throw new Error(`trainingCurves: runs: expected rows with at least one numeric metric besides '${x}'`);
  const smoothing = options.smoothing ?? 1;
  if (!(Number.isInteger(smoothing) && smoothing >= 1)) throw new Error(`trainingCurves: smoothing: expected an integer >= 1, got ${smoothing}`);
  const runNames = runs.map((r) => r.name);
  const panels = metrics.map((metric) => {
    const values: CurvePoint[] = [];
    for (const run of runs) {
      for (const row of run.rows) {
        const xv = row[x];
        const v = row[metric];
        if (typeof xv === 'number' && typeof v === 'number' && Number.isFinite(v)) values.push({ run: run.name, x: xv, value: v });
      }
    }
    const log = options.logScale?.includes(metric) ?? false;
    const encoding = {
      x: { field: 'x', type: 'quantitative' as const, title: x },
      y: { field: smoothing > 1 ? 'smoothed' : 'value', type: 'quantitative' as const, title: metric, scale: log ? { type: 'log' as const } : { zero: false } },
      color: { field: 'run', type: 'nominal' as const, title: 'run', scale: { domain: runNames } },
      tooltip: [{ field: 'run', type: 'nominal' as const }, { field: 'x', type: 'quantitative' as const, title: x }, { field: 'value', type: 'quantitative' as const, title: metric }],
    };
    const smoothed = {
      mark: { type: 'line' as const, strokeWidth: 1.5 },
      transform: smoothing > 1 ? [{ window: [{ op: 'mean' as const, field: 'value', as: 'smoothed' }], frame: [-(smoothing - 1), 0] as [number, number], groupby: ['run'], sort: [{ field: 'x' }] }] : [],
      encoding,
    };
    const raw = { mark: { type: 'line' as const, strokeWidth: 1, opacity: 0.3 }, encoding: { ...encoding, y: { ...encoding.y, field: 'value' } } };
    return {
      data: { values },
      width: options.width ?? 420,
      height: options.height ?? 140,
      layer: smoothing > 1 ? [raw, smoothed] : [smoothed],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title ? { title: options.title } : {}),
    vconcat: panels,
    resolve: { scale: { color: 'shared' } },
  };
}
