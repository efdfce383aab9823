import { readRun, readRunOutputs, type JsonValue, type RunRecord } from './run-store.js';
import { formatCodeVersion } from './code-version.js';
import { formatTextTable, orderMetrics } from './report.js';

/** Two runs side by side: metrics with their difference, config keys (and sweep parameters) that differ, per-example disagreements. */
export interface RunComparison {
  a: RunRecord;
  b: RunRecord;
  metrics: Array<{ metric: string; a: number | null; b: number | null; diff: number | null }>;
  configDiff: Array<{ key: string; a: JsonValue | undefined; b: JsonValue | undefined }>;
  /** Examples present in both runs' outputs (matched by question_id or image_id) and how many predictions differ. */
  examples: { shared: number; differing: number; onlyA: number; onlyB: number };
}

function flatten(value: JsonValue | null, prefix = '', out = new Map<string, JsonValue>()): Map<string, JsonValue> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value as JsonValue);
  }
  return out;
}

function exampleKey(row: Record<string, JsonValue>): string | null {
  if (row.question_id !== undefined && row.question_id !== null) return `q${String(row.question_id)}`;
  if (row.image_id !== undefined && row.image_id !== null) return `i${String(row.image_id)}`;
  return null;
}

/** Compares two run folders. */
export function compareRuns(dirA: string, dirB: string): RunComparison {
  const a = readRun(dirA);
  const b = readRun(dirB);
  const metricNames = orderMetrics([...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])]);
  const metrics = metricNames.map((metric) => {
    const va = typeof a.metrics[metric] === 'number' ? a.metrics[metric]! : null;
    const vb = typeof b.metrics[metric] === 'number' ? b.metrics[metric]! : null;
    return { metric, a: va, b: vb, diff: va !== null && vb !== null ? vb - va : null };
  });
  // Sweep parameters that are not config keys (ablations) are compared too, under `params.`.
  const fa = flatten({ ...(a.config as Record<string, JsonValue> | null ?? {}), params: a.manifest.params });
  const fb = flatten({ ...(b.config as Record<string, JsonValue> | null ?? {}), params: b.manifest.params });
  const configDiff = [...new Set([...fa.keys(), ...fb.keys()])].sort()
    .filter((k) => JSON.stringify(fa.get(k)) !== JSON.stringify(fb.get(k)))
    .map((key) => ({ key, a: fa.get(key), b: fb.get(key) }));
  const outA = new Map(readRunOutputs(a.dir).map((r) => [exampleKey(r), r] as const).filter(([k]) => k !== null));
  const outB = new Map(readRunOutputs(b.dir).map((r) => [exampleKey(r), r] as const).filter(([k]) => k !== null));
  let shared = 0;
  let differing = 0;
  for (const [key, row] of outA) {
    const other = outB.get(key);
    if (!other) continue;
    shared++;
    if (JSON.stringify(row.prediction) !== JSON.stringify(other.prediction)) differing++;
  }
  return { a, b, metrics, configDiff, examples: { shared, differing, onlyA: outA.size - shared, onlyB: outB.size - shared } };
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(absent)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The comparison as text (metrics table, differing config keys, example agreement). */
export function formatRunComparison(c: RunComparison): string {
  const nameA = c.a.manifest.name;
  const nameB = c.b.manifest.name;
  const lines: string[] = [
    `A: ${nameA} (${c.a.manifest.status}, seed ${c.a.manifest.seed}, code ${formatCodeVersion(c.a.manifest.code)})`,
    `B: ${nameB} (${c.b.manifest.status}, seed ${c.b.manifest.seed}, code ${formatCodeVersion(c.b.manifest.code)})`,
    '',
    formatTextTable([['metric', 'A', 'B', 'B - A'], ...c.metrics.map((m) => [
      m.metric, m.a === null ? '–' : m.a.toFixed(4), m.b === null ? '–' : m.b.toFixed(4), m.diff === null ? '–' : `${m.diff >= 0 ? '+' : ''}${m.diff.toFixed(4)}`,
    ])]),
    '',
  ];
  if (c.configDiff.length === 0) lines.push('config: identical');
  else lines.push('config differences:', formatTextTable([['key', 'A', 'B'], ...c.configDiff.map((d) => [d.key, show(d.a), show(d.b)])], { rightAlign: () => false }));
  const e = c.examples;
  if (e.shared + e.onlyA + e.onlyB > 0) {
    lines.push('', `examples: ${e.shared} in both, predictions differ on ${e.differing} (${e.shared ? ((100 * e.differing) / e.shared).toFixed(1) : '0.0'}%); ${e.onlyA} only in A, ${e.onlyB} only in B`);
  }
  return lines.join('\n');
}
