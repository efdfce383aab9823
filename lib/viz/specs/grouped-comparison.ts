import type { VegaLiteSpec } from '../render.js';
import type { ErrorExtent } from './metric-bars.js';

/** One score of one group (e.g. an expert set) on one metric, optionally from one seed. */
export interface GroupScore {
  group: string;
  metric: string;
  value: number;
  seed?: number | string;
}

export interface GroupedComparisonOptions {
  /** Legend title for the groups, e.g. 'experts'. */
  groupTitle?: string;
  /** Error bars across seeds (drawn when any group × metric has two or more scores). */
  extent?: ErrorExtent;
  /** One panel per metric with its own y scale (CIDEr ≈ 1.2 next to BLEU-4 ≈ 0.3). Default true. */
  independentScales?: boolean;
  title?: string;
  /** Width of one metric's panel. */
  width?: number;
  height?: number;
}

/** Grouped bars: for every metric, one bar per group (mean over seeds), with error bars. */
export function groupedComparison(scores: readonly GroupScore[], options: GroupedComparisonOptions = {}): VegaLiteSpec {
  if (scores.length === 0) throw new Error('groupedComparison: scores: expected at least one score');
  const bad = scores.findIndex((s) => !Number.isFinite(s.value));
  if (bad >= 0) throw new Error(`groupedComparison: scores[${bad}].value: expected a finite number, got ${scores[bad]!.value}`);
  const groups = [...new Set(scores.map((s) => s.group))];
  const metrics = [...new Set(scores.map((s) => s.metric))];
  const counts = new Map<string, number>();
  for (const s of scores) counts.set(`${s.group}\u0000${s.metric}`, (counts.get(`${s.group}\u0000${s.metric}`) ?? 0) + 1);
  const withErrors = [...counts.values()].some((n) => n > 1);
  const groupTitle = options.groupTitle ?? 'group';
  const independent = options.independentScales ?? true;
  const x = independent
    ? { field: 'group', type: 'nominal' as const, sort: groups, axis: null }
    : { field: 'metric', type: 'nominal' as const, sort: metrics, title: null };
  const offset = independent ? {} : { xOffset: { field: 'group', type: 'nominal' as const, sort: groups } };
  const color = { field: 'group', type: 'nominal' as const, sort: groups, title: groupTitle, legend: { labelLimit: 0 } };
  const layer: object[] = [
    { mark: 'bar', encoding: { x, ...offset, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: independent ? null : 'score' }, color, tooltip: [{ field: 'group', title: groupTitle }, { field: 'metric' }, { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'mean' }] } },
  ];
  if (withErrors) layer.push({ mark: { type: 'errorbar', extent: options.extent ?? 'stdev', ticks: true }, encoding: { x, ...offset, y: { field: 'value', type: 'quantitative' } } });
  const values = scores.map((s) => ({ group: s.group, metric: s.metric, value: s.value, seed: s.seed ?? null }));
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...(options.title ? { title: options.title } : {}), data: { values } };
  const height = options.height ?? 200;
  if (!independent) return { ...base, width: options.width ?? Math.max(200, metrics.length * groups.length * 22), height, layer } as VegaLiteSpec;
  return {
    ...base,
    facet: { column: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 12 } } },
    spec: { width: options.width ?? Math.max(80, groups.length * 22), height, layer },
    resolve: { scale: { y: 'independent' } },
  } as VegaLiteSpec;
}
