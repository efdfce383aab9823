/** The part of an arquero table that display needs (duck-typed, so lib/viz does not load arquero). */
export interface TableLike {
  numRows(): number;
  columnNames(): string[];
  objects(options?: { limit?: number }): object[];
  toHTML(options?: { limit?: number }): string;
}

export function isTableLike(value: unknown): value is TableLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof TableLike, unknown>>;
  return ['numRows', 'columnNames', 'objects', 'toHTML'].every((k) => typeof candidate[k as keyof TableLike] === 'function');
}

function formatCell(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toFixed(4) : value.toExponential(3);
  }
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The table as aligned plain text (numbers right-aligned), with a "… N more rows" line when cut. */
export function tableToText(table: TableLike, limit = 20): string {
  const names = table.columnNames();
  const objects = table.objects({ limit }) as Record<string, unknown>[];
  const rows = objects.map((row) => names.map((n) => formatCell(row[n])));
  const numeric = names.map((n) => objects.length > 0 && objects.every((row) => row[n] == null || typeof row[n] === 'number'));
  const widths = names.map((n, c) => Math.max(n.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => (numeric[c] ? s.padStart(widths[c]!) : s.padEnd(widths[c]!))).join('  ').trimEnd();
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const more = table.numRows() - rows.length;
  if (more > 0) out.push(`… ${more} more row${more === 1 ? '' : 's'} (${table.numRows()} in all)`);
  return out.join('\n');
}
