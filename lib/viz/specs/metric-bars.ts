import type { VegaLiteSpec } from '../render.js';

/** One measurement: a score of one configuration (label) from one seed. */
export interface SeedScore {
  label: string;
  value: number;
  seed?: number | string;
}

/** How far the error bars reach: standard deviation, standard error, 95% bootstrap CI, or the IQR. */
export type ErrorExtent = 'stdev' | 'stderr' | 'ci' | 'iqr';

export interface MetricBarsOptions {
  /** The y axis title, e.g. 'CIDEr'. */
  metric?: string;
  extent?: ErrorExtent;
  /** Draw each seed's score as a dot on its bar. Default true. */
  showSeeds?: boolean;
  /** Order of the bars; default: first appearance in `scores`. */
  order?: readonly string[];
  title?: string;
  width?: number;
  height?: number;
}

/** Mean score per configuration as bars, error bars across seeds, and the seeds as dots. */
export function metricBars(scores: readonly SeedScore[], options: MetricBarsOptions = {}): VegaLiteSpec {
  if (scores.length === 0) throw new Error('metricBars: scores: expected at least one score');
  const bad = scores.findIndex((s) => !Number.isFinite(s.value));
  if (bad >= 0) throw new Error(`metricBars: scores[${bad}].value: expected a finite number, got ${scores[bad]!.value}`);
  const labels = [...new Set([...(options.order ?? []), ...scores.map((s) => s.label)])];
  const metric = options.metric ?? 'score';
  const x = { field: 'label', type: 'nominal' as const, title: null, sort: labels, axis: { labelAngle: labels.some((l) => l.length > 8) ? -30 : 0 } };
  const layer: object[] = [
    { mark: { type: 'bar', opacity: 0.8 }, encoding: { x, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: metric }, color: { field: 'label', type: 'nominal', legend: null, sort: labels } } },
    { mark: { type: 'errorbar', extent: options.extent ?? 'stdev', ticks: true }, encoding: { x, y: { field: 'value', type: 'quantitative', title: metric } } },
  ];
  if (options.showSeeds ?? true) {
    layer.push({ mark: { type: 'point', filled: true, color: 'black', size: 18, opacity: 0.7 }, encoding: { x, y: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 'seed' }, { field: 'value', type: 'quantitative' }] } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title ? { title: options.title } : {}),
    data: { values: scores.map((s) => ({ label: s.label, value: s.value, seed: s.seed ?? null })) },
    width: options.width ?? Math.max(160, 48 * labels.length),
    height: options.height ?? 220,
    layer,
  } as VegaLiteSpec;
}
