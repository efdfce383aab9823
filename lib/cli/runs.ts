import { parseArgs } from 'node:util';
import { compareRuns, formatRunComparison } from '../experiment/compare.js';
import { formatCodeVersion } from '../experiment/code-version.js';
import { formatTextTable, orderMetrics } from '../experiment/report.js';
import { listRuns, resolveRunDir } from '../experiment/run-store.js';
import { UsageError, type Command } from './command.js';

const usage = `usage: prismer runs ls [--dir runs] [--filter TEXT] [--metrics m1,m2]
       prismer runs compare <run A> <run B> [--dir runs]

  ls       every run below the store root: name, status, seed, experts, main metrics, time, code version
  compare  two runs (names below --dir or run folders): metrics side by side with B - A, the config keys
           that differ, and on how many test examples their predictions differ
  --dir DIR        store root (default runs)
  --filter TEXT    only runs whose name contains TEXT
  --metrics LIST   metric columns for ls (default: the overall metric and up to 7 more)`;

function parse(args: string[]): { positionals: string[]; values: { dir?: string; filter?: string; metrics?: string } } {
  try {
    const parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { dir: { type: 'string' }, filter: { type: 'string' }, metrics: { type: 'string' } } });
    return { positionals: parsed.positionals, values: parsed.values };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'List stored experiment runs, or compare two (metrics, config differences, predictions)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(`${usage}\n`);
      return sub === undefined ? 2 : 0;
    }
    const { positionals, values } = parse(rest);
    const root = values.dir ?? 'runs';
    if (sub === 'ls') {
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      const runs = listRuns(root).filter((r) => !values.filter || r.manifest.name.includes(values.filter));
      if (runs.length === 0) {
        process.stdout.write(`no runs below ${root}\n`);
        return 0;
      }
      const all = orderMetrics([...new Set(runs.flatMap((r) => Object.keys(r.metrics)))]);
      const metrics = values.metrics ? values.metrics.split(',').map((m) => m.trim()).filter(Boolean) : all.slice(0, 8);
      const rows = runs.map((r) => {
        const config = r.config as { experts?: unknown } | null;
        const experts = config && Array.isArray(config.experts) ? (config.experts.length ? config.experts.join(',') : 'none') : '?';
        return [r.manifest.name, r.manifest.status, String(r.manifest.seed), experts,
          ...metrics.map((m) => (typeof r.metrics[m] === 'number' ? r.metrics[m]!.toFixed(2) : '–')),
          r.manifest.seconds === null ? '–' : r.manifest.seconds.toFixed(1), formatCodeVersion(r.manifest.code)];
      });
      process.stdout.write(`${formatTextTable([['run', 'status', 'seed', 'experts', ...metrics, 'seconds', 'code'], ...rows], { rightAlign: (c) => c === 2 || (c >= 4 && c < 4 + metrics.length + 1) })}\n`);
      return 0;
    }
    if (sub === 'compare') {
      if (positionals.length !== 2) throw new UsageError('compare needs two runs: prismer runs compare <run A> <run B>');
      let dirs: string[];
      try {
        dirs = positionals.map((p) => resolveRunDir(root, p));
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      process.stdout.write(`${formatRunComparison(compareRuns(dirs[0]!, dirs[1]!))}\n`);
      return 0;
    }
    throw new UsageError(`unknown runs sub-command '${sub}' (expected ls or compare)`);
  },
};
