import { table as columnTable, type ColumnTable } from 'arquero';
import { formatMeanStd, type MeanSummary } from './stats.js';

/**
 * Text tables for terminals and notebooks: a sweep summary (one row per cell; per metric
 * mean ± std and the 95% interval) and side-by-side comparisons.
 */

/** Aligns rows of cells into columns (first row: header), numbers right-aligned. */
export function formatTextTable(rows: ReadonlyArray<ReadonlyArray<string>>, options: { rightAlign?: (column: number) => boolean } = {}): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const right = options.rightAlign ?? ((c: number) => c > 0);
  const line = (r: ReadonlyArray<string>): string => r.map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Metrics of a summary in a readable order: overall accuracy / CIDEr first, then per question type. */
export function orderMetrics(metrics: readonly string[]): string[] {
  const rank = (m: string): number => (m === 'vqa_accuracy' ? 0 : m === 'CIDEr' ? 0 : m.startsWith('vqa_') ? 1 : m.startsWith('BLEU') ? 2 : 3);
  return [...metrics].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * A long summary (`summariseRuns`: cell, metric, n, mean, std, ci_low, ci_high) as one row per cell:
 * `n` and, per metric, `mean ± std`; with `interval`, also `[low, high]` of the 95% interval.
 */
export function formatSweepSummary(summary: ColumnTable, options: { metrics?: readonly string[]; interval?: boolean; digits?: number } = {}): string {
  const rows = summary.objects() as Array<{ cell: string; metric: string; n: number; mean: number; std: number; ci_low: number; ci_high: number }>;
  if (rows.length === 0) return '(no finished runs)';
  const cells = [...new Set(rows.map((r) => r.cell))];
  const metrics = options.metrics ?? orderMetrics([...new Set(rows.map((r) => r.metric))]);
  const digits = options.digits ?? 2;
  const header = ['cell', 'n', ...metrics.flatMap((m) => (options.interval ? [m, '95% CI'] : [m]))];
  const body = cells.map((cell) => {
    const of = (metric: string) => rows.find((r) => r.cell === cell && r.metric === metric);
    const n = Math.max(0, ...rows.filter((r) => r.cell === cell).map((r) => r.n));
    return [cell, String(n), ...metrics.flatMap((m) => {
      const r = of(m);
      const s: MeanSummary | null = r ? { n: r.n, mean: r.mean, std: r.std, halfWidth: (r.ci_high - r.ci_low) / 2, low: r.ci_low, high: r.ci_high, level: 0.95 } : null;
      const text = s ? formatMeanStd(s, digits) : '–';
      if (!options.interval) return [text];
      return [text, s && s.n > 1 ? `[${s.low.toFixed(digits)}, ${s.high.toFixed(digits)}]` : '–'];
    })];
  });
  return formatTextTable([header, ...body]);
}

/** A long summary pivoted to one row per cell with `<metric>`, `<metric>_std`, `<metric>_low`, `<metric>_high` columns (for plots). */
export function widenSummary(summary: ColumnTable): ColumnTable {
  const rows = summary.objects() as Array<{ cell: string; metric: string; n: number; mean: number; std: number; ci_low: number; ci_high: number }>;
  const cells = [...new Set(rows.map((r) => r.cell))];
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const columns: Record<string, unknown[]> = { cell: cells };
  for (const m of metrics) {
    const of = (cell: string) => rows.find((r) => r.cell === cell && r.metric === m);
    columns[m] = cells.map((c) => of(c)?.mean ?? null);
    columns[`${m}_std`] = cells.map((c) => of(c)?.std ?? null);
    columns[`${m}_low`] = cells.map((c) => of(c)?.ci_low ?? null);
    columns[`${m}_high`] = cells.map((c) => of(c)?.ci_high ?? null);
  }
  return columnTable(columns) as ColumnTable;
}
