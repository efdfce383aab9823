import type { VegaLiteSpec } from '../render.js';

/** A matrix as nested rows, or flat row-major values with their [rows, columns] shape (a tensor's dataSync()). */
export type MatrixInput = ReadonlyArray<ArrayLike<number>> | { values: ArrayLike<number>; shape: readonly [number, number] };

export interface HeatmapOptions {
  /** Labels of the columns / rows (tokens for attention, class names for confusion); repeats are fine. */
  xLabels?: readonly string[];
  yLabels?: readonly string[];
  xTitle?: string;
  yTitle?: string;
  /** Colour legend title, e.g. 'attention' or 'count'. */
  valueTitle?: string;
  /** A vega colour scheme name. Default 'viridis'. */
  scheme?: string;
  /** Fixed colour domain, e.g. [0, 1] for attention weights. */
  domain?: readonly [number, number];
  /** Print each cell's value (confusion matrices). Default: only when the matrix has ≤ 400 cells. */
  showValues?: boolean;
  title?: string;
  /** Size of one cell in pixels. Default: fit the matrix into about 360 pixels, 4 to 28 per cell. */
  cellSize?: number;
}

function toRows(matrix: MatrixInput): { rows: number; cols: number; at: (r: number, c: number) => number } {
  if ('shape' in matrix) {
    const [rows, cols] = matrix.shape;
    if (matrix.values.length !== rows * cols) throw new Error(`heatmap: values: expected ${rows}×${cols} = ${rows * cols} numbers for shape [${rows}, ${cols}], got ${matrix.values.length}`);
    return { rows, cols, at: (r, c) => matrix.values[r * cols + c]! };
  }
  const rows = matrix.length;
  const cols = rows > 0 ? matrix[0]!.length : 0;
  const ragged = matrix.findIndex((row) => row.length !== cols);
  if (ragged >= 0) throw new Error(`heatmap: matrix[${ragged}]: expected ${cols} values like row 0, got ${matrix[ragged]!.length}`);
  return { rows, cols, at: (r, c) => matrix[r]![c]! };
}

function labelExpr(labels: readonly string[] | undefined): string | undefined {
  return labels ? `${JSON.stringify(labels)}[datum.value]` : undefined;
}

/**
 * A matrix as coloured cells in input order: attention maps (query × key) or confusion matrices
 * (true × predicted). Cells are placed by index, so repeated labels (tokens) stay separate.
 */
export function heatmap(matrix: MatrixInput, options: HeatmapOptions = {}): VegaLiteSpec {
  const { rows, cols, at } = toRows(matrix);
  if (rows === 0 || cols === 0) throw new Error('heatmap: matrix: expected at least one row and one column');
  for (const [name, labels, n] of [['xLabels', options.xLabels, cols], ['yLabels', options.yLabels, rows]] as const) {
    if (labels && labels.length !== n) throw new Error(`heatmap: ${name}: expected ${n} labels, got ${labels.length}`);
  }
  const values: { row: number; col: number; value: number | null }[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const v = at(r, c);
    values.push({ row: r, col: c, value: Number.isFinite(v) ? v : null });
  }
  const cell = options.cellSize ?? Math.min(28, Math.max(4, Math.floor(360 / Math.max(rows, cols))));
  const showValues = options.showValues ?? rows * cols <= 400;
  const axis = (labels: readonly string[] | undefined, many: boolean) => ({ labelExpr: labelExpr(labels), labelOverlap: many, ticks: false, domain: false });
  const x = { field: 'col', type: 'ordinal' as const, title: options.xTitle ?? null, axis: { ...axis(options.xLabels, cols > 40), labelAngle: -45 } };
  const y = { field: 'row', type: 'ordinal' as const, title: options.yTitle ?? null, axis: axis(options.yLabels, rows > 40) };
  const color = { field: 'value', type: 'quantitative' as const, title: options.valueTitle ?? 'value', scale: { scheme: options.scheme ?? 'viridis', ...(options.domain ? { domain: [...options.domain] } : {}) } };
  const layer: object[] = [{ mark: 'rect', encoding: { x, y, color, tooltip: [{ field: 'row' }, { field: 'col' }, { field: 'value', type: 'quantitative', format: '.4g' }] } }];
  if (showValues) {
    const finite = values.map((v) => v.value).filter((v): v is number => v !== null);
    const [lo, hi] = options.domain ?? [Math.min(...finite), Math.max(...finite)];
    layer.push({
      mark: { type: 'text', fontSize: Math.max(7, Math.min(11, cell * 0.4)) },
      encoding: { x, y, text: { field: 'value', type: 'quantitative', format: '.2~g' }, color: { condition: { test: `datum.value > ${(lo + hi) / 2}`, value: 'black' }, value: 'white' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    width: cols * cell,
    height: rows * cell,
    layer,
  } as VegaLiteSpec;
}
